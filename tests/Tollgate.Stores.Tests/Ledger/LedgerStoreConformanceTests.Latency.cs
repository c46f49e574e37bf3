using Tollgate.Analytics;
using Tollgate.Ledger;
using Tollgate.Pricing;

namespace Tollgate.Stores.Tests.Ledger;

/// <summary>
/// The latency rollups: a comparison's percentiles from them are the exact nearest-rank percentile's bucket (so within
/// 1/64 above it, and exact below 128 ms) in any zone and range, and its cache savings from sums equal every record's.
/// </summary>
public abstract partial class LedgerStoreConformanceTests
{
    [Theory]
    [InlineData("Europe/Berlin")]
    [InlineData("Asia/Kolkata")]
    [InlineData("Asia/Kathmandu")]
    public async Task CompareAsync_ZoneRangesOffTheQuarterHours_PercentilesAreTheExactPercentilesBucket(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        await using var store = await CreateStoreAsync();
        var records = WithLatencies(ZoneLedger(zone, seed: zoneId.Length), zoneId.Length);
        await AppendInBatches(store, records, 97);
        var analytics = new LedgerAnalytics(store);
        foreach (var (from, to) in RangesOffTheQuarterHours(zone))
        {
            // Narrow groupings read the narrow latency rollups; by or filtered on project, user or key, the wide ones.
            LedgerFilter[] filters = [new(), new() { Tenant = "tenant-1" }, new() { Project = "project-1" }, new() { User = "user-2", Tenant = "tenant-1" }];
            foreach (var (by, some) in new[]
            {
                (LedgerDimension.Model, filters[0]), (LedgerDimension.Provider, filters[1]), (LedgerDimension.Tenant, filters[0]), (LedgerDimension.Key, filters[0]),
                (LedgerDimension.Project, filters[1]), (LedgerDimension.User, filters[0]), (LedgerDimension.Model, filters[2]), (LedgerDimension.ApiFlavor, filters[3]),
            })
            {
                var filter = some with { From = from, To = to };
                var outcome = await analytics.CompareAsync(new BreakdownQuery { Filter = filter, By = AnalyticsDimension.Of(by) }, cancellationToken: Ct);

                AssertPercentiles(records.Where(filter.Matches).GroupBy(r => LedgerReportBuilder.KeyOf(r, by) ?? CostReport.NoneKey), outcome.Value!);
                var wide = by is LedgerDimension.Project or LedgerDimension.User or LedgerDimension.Key || filter.Project is not null || filter.User is not null;
                LatencyAssert.SameAs(records.Where(filter.Matches), await store.LatencyRollupsAsync(filter, allDimensions: wide, Ct), wide);
            }
        }
    }

    [Theory]
    [InlineData("Europe/Berlin")]
    [InlineData("Asia/Kathmandu")]
    [InlineData("America/St_Johns")]
    public async Task CompareAsync_ByTagOrOneTag_PercentilesFromTheTagLatencyRollupsWithoutReadingARecord(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        await using var store = new ScanCountingLedgerStore(await CreateStoreAsync());
        var records = WithLatencies(TagLedger(zone, seed: zoneId.Length), zoneId.Length);
        await AppendInBatches(store, records, 97);
        var analytics = new LedgerAnalytics(store);
        foreach (var (from, to) in RangesOffTheQuarterHours(zone))
        {
            foreach (var (by, tags, some) in new (AnalyticsDimension, TagFilter[], LedgerFilter)[]
            {
                (AnalyticsDimension.Tag("team"), [], new()),
                (AnalyticsDimension.Tag("feature"), [], new() { Tenant = "tenant-1" }),
                (AnalyticsDimension.Of(LedgerDimension.Model), [new TagFilter("team", "ml")], new()),
                (AnalyticsDimension.Of(LedgerDimension.Tenant), [new TagFilter("team", "search")], new() { Provider = "openai" }),
            })
            {
                var filter = some with { From = from, To = to };
                var query = new BreakdownQuery { Filter = filter, By = by, Tags = tags };
                var reads = store.RecordReads;
                var outcome = await analytics.CompareAsync(query, cancellationToken: Ct);
                // The API's comparison: the same up to its limit of calls, without percentiles above it.
                var limited = await analytics.CompareWithinLimitAsync(query, rawLimit: long.MaxValue, cancellationToken: Ct);
                var over = await analytics.CompareWithinLimitAsync(query, rawLimit: 0, cancellationToken: Ct);

                var matching = records.Where(r => filter.Matches(r) && tags.All(t => t.Matches(r.Tags))).ToList();
                if (by.TagKey is { } byKey && !matching.Exists(r => r.Tags.ContainsKey(byKey)))
                {
                    Assert.StartsWith($"no record in the range has the tag key '{byKey}'", outcome.Error, StringComparison.Ordinal);
                    continue;
                }

                var expected = matching.GroupBy(r => by.TagKey is { } key
                    ? r.Tags.GetValueOrDefault(key) is { Length: > 0 } value ? value : CostReport.NoneKey
                    : LedgerReportBuilder.KeyOf(r, by.Dimension) ?? CostReport.NoneKey).ToList();
                AssertPercentiles(expected, outcome.Value!);
                AssertPercentiles(expected, limited.Value!);
                Assert.Equal(reads, store.RecordReads);
                if (matching.Count > 0)
                {
                    Assert.All(over.Value!.Rows, r => Assert.Null(r.LatencyP50Ms));
                    Assert.StartsWith($"{matching.Count:N0} calls: latency percentiles", over.Value.Note, StringComparison.Ordinal);
                }
            }

            var range = new LedgerFilter { From = from, To = to };
            LatencyAssert.SameAsTagged(records.Where(range.Matches), "team", await store.TagLatencyRollupsAsync(range, "team", cancellationToken: Ct));
            LatencyAssert.SameAsTagged(records.Where(r => range.Matches(r) && r.Tags.GetValueOrDefault("team") == "ml"), "team", await store.TagLatencyRollupsAsync(range, "team", "ml", Ct));
        }

        await Assert.ThrowsAsync<ArgumentException>(() => store.TagLatencyRollupsAsync(new LedgerFilter { User = "user-1" }, "team", cancellationToken: Ct).AsTask());
    }

    /// <summary>Latencies from a few ms to a minute: exact buckets, and buckets 1/64 wide.</summary>
    private static List<UsageRecord> WithLatencies(IEnumerable<UsageRecord> records, int seed)
    {
        var random = new Random(seed);
        return [.. records.Select(r => r with { LatencyMs = (long)Math.Exp(random.NextDouble() * 11) })];
    }

    /// <summary>Ranges of 1, 12 and 29 local days starting off the quarter hours, over DST changes in zones that have them.</summary>
    private static IEnumerable<(DateTimeOffset From, DateTimeOffset To)> RangesOffTheQuarterHours(TimeZoneInfo zone)
    {
        foreach (var (localStart, days) in new[] { (new DateTime(2026, 3, 27, 0, 7, 13), 1), (new DateTime(2026, 3, 25, 9, 0, 0), 12), (new DateTime(2026, 10, 2, 23, 52, 1), 29) })
        {
            yield return (new DateTimeOffset(localStart, zone.GetUtcOffset(localStart)).AddTicks(37),
                new DateTimeOffset(localStart.AddDays(days), zone.GetUtcOffset(localStart.AddDays(days))));
        }
    }

    /// <summary>
    /// The comparison has exactly the groups of <paramref name="expected"/>, each with its records' sums and p50/p95 equal
    /// to the upper end of the exact nearest-rank latency's bucket (the latency itself below 128 ms).
    /// </summary>
    private static void AssertPercentiles(IEnumerable<IGrouping<string, UsageRecord>> expected, Comparison comparison)
    {
        Assert.Null(comparison.Note);
        var groups = expected.ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(groups.Keys.Order(StringComparer.Ordinal), comparison.Rows.Select(r => r.Key).Order(StringComparer.Ordinal));
        foreach (var row in comparison.Rows)
        {
            Assert.Equal(LedgerTestData.Sum(groups[row.Key]), row.Metrics);
            var latencies = groups[row.Key].Where(r => r.Success).Select(r => r.LatencyMs).Order().ToList();
            foreach (var (q, actual) in new[] { (0.50, row.LatencyP50Ms), (0.95, row.LatencyP95Ms) })
            {
                var exact = latencies[Math.Clamp((int)Math.Ceiling(q * latencies.Count), 1, latencies.Count) - 1];
                Assert.Equal(LatencyBuckets.Upper(LatencyBuckets.Of(exact)), actual);
                Assert.InRange(actual!.Value - exact, 0, exact / LatencyBuckets.SubBuckets);
                if (exact < LatencyBuckets.ExactBelow)
                {
                    Assert.Equal(exact, actual);
                }
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CompareAsync_LedgerPricedByTheCatalog_SavingsFromSumsEqualEveryRecordRepricedWithoutReadingARecord(bool modelUnderTwoProviders)
    {
        await using var store = new ScanCountingLedgerStore(await CreateStoreAsync());
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        var random = new Random(5);
        // A model name under a second provider (one the catalog does not price) makes savings by a tag read per model.
        var records = AtPricesInForce(engine, [.. LedgerTestData.Many(600).Select((r, i) => r with
        {
            Provider = modelUnderTwoProviders && r.Model == "gpt-4o" && i % 4 == 0 ? "acme-proxy" : r.Provider,
            Unpriced = false,
            Usage = new Tollgate.Costing.Usage
            {
                InputTokens = r.Usage.InputTokens + 2000,
                CacheReadTokens = random.Next(3) == 0 ? 0 : r.Usage.CacheReadTokens,
                CacheWriteTokens = random.Next(4) == 0 ? random.Next(1, 2000) : 0,
                OutputTokens = r.Usage.OutputTokens,
            },
            Tags = random.Next(4) switch
            {
                0 => new Dictionary<string, string>(),
                1 => new Dictionary<string, string> { ["team"] = "" },
                2 => new Dictionary<string, string> { ["team"] = "ml" },
                _ => new Dictionary<string, string> { ["team"] = "search" },
            },
        })]);
        await AppendInBatches(store, records, 64);
        var calculator = new CacheSavingsCalculator(engine);
        // By a dimension, by a tag (an empty value counts as none), and by a dimension for one tag.
        foreach (var (by, tags) in new (AnalyticsDimension, TagFilter[])[]
        {
            (AnalyticsDimension.Of(LedgerDimension.Model), []), (AnalyticsDimension.Of(LedgerDimension.Tenant), []), (AnalyticsDimension.Tag("team"), []),
            (AnalyticsDimension.Of(LedgerDimension.Model), [new TagFilter("team", "ml")]),
        })
        {
            var filter = new LedgerFilter { From = LedgerTestData.Start.AddHours(5).AddMinutes(7).AddTicks(3), To = LedgerTestData.Start.AddDays(20).AddMinutes(44) };
            var reads = store.RecordReads;
            var outcome = await new LedgerAnalytics(store).CompareAsync(new BreakdownQuery { Filter = filter, By = by, Tags = tags }, engine, Ct);

            var comparison = outcome.Value!;
            Assert.Null(comparison.Note);
            var expected = records.Where(r => filter.Matches(r) && tags.All(t => t.Matches(r.Tags)))
                .GroupBy(r => by.TagKey is { } key ? r.Tags.GetValueOrDefault(key) is { Length: > 0 } value ? value : CostReport.NoneKey : LedgerReportBuilder.KeyOf(r, by.Dimension)!)
                .ToDictionary(g => g.Key, g => g.Aggregate(default(CacheSavings), (s, r) => s + calculator.Of(r)));
            Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), comparison.Rows.Select(r => KeyValuePair.Create(r.Key, r.CacheSavings!.Value)).OrderBy(e => e.Key, StringComparer.Ordinal));
            Assert.Equal(expected.Values.Aggregate(default(CacheSavings), (s, v) => s + v), comparison.CacheSavings);
            Assert.Contains(expected.Values, s => s.Records > 0 && s.Net != 0);
            Assert.Equal(reads, store.RecordReads);
        }
    }
}
