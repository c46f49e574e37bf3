using Tollgate.Analytics;
using Tollgate.Ledger;

namespace Tollgate.Stores.Tests.Ledger;

/// <summary>
/// Reports grouped by a tag or restricted to one tag, with provider, model, api flavour and tenant filters and time
/// buckets in zones whose days are not UTC days, equal the same reports computed from the exported records.
/// </summary>
public abstract partial class LedgerStoreConformanceTests
{
    public static TheoryData<string> TagZones => ["UTC", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham"];

    [Theory]
    [MemberData(nameof(TagZones))]
    public async Task QueryAsync_TagGroupedAndTagFilteredWithDimensionsAndBuckets_EqualsTheRawRecords(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        await using var store = await CreateStoreAsync();
        var records = TagLedger(zone, seed: zoneId.Length);
        await AppendInBatches(store, records, 89);
        // A batch repeating stored records: only the new ones may reach the tag rollups.
        await store.AppendAsync([.. records.Take(20)], Ct);

        foreach (var filter in TagFilters(zoneId))
        {
            await AssertTagReportsEqualRecordsAsync(store, filter, zone, Ct);
        }
    }

    /// <summary>Checks every tag report of <paramref name="filter"/> in <paramref name="zone"/> against its exported records.</summary>
    internal static async Task AssertTagReportsEqualRecordsAsync(ILedgerStore store, LedgerFilter filter, TimeZoneInfo zone, CancellationToken ct)
    {
        var exported = new List<UsageRecord>();
        await foreach (var r in store.ReadAsync(filter, ct))
        {
            exported.Add(r);
        }

        foreach (var bucket in new TimeBucket?[] { null, TimeBucket.Hour, TimeBucket.Day, TimeBucket.Week, TimeBucket.Month })
        {
            var byTag = await store.QueryAsync(new LedgerQuery { Filter = filter, GroupByTag = "team", Bucket = bucket, TimeZone = zone }, ct);
            var tagged = exported.Where(r => r.Tags.ContainsKey("team")).ToList();
            Assert.Equal(Expected(tagged, zone, bucket, r => r.Tags["team"]), Actual(byTag));
            Assert.Equal(LedgerTestData.Sum(tagged), byTag.Total);

            foreach (var groupBy in new LedgerDimension?[] { null, LedgerDimension.Provider, LedgerDimension.Tenant, LedgerDimension.ApiFlavor, LedgerDimension.Model })
            {
                var only = await store.QueryAsync(new LedgerQuery { Filter = filter, Tag = new LedgerTag("team", "ml"), GroupBy = groupBy, Bucket = bucket, TimeZone = zone }, ct);
                var ml = exported.Where(r => r.Tags.TryGetValue("team", out var v) && v == "ml").ToList();
                var expected = groupBy is null && bucket is null ? [] : Expected(ml, zone, bucket, r => groupBy is { } d ? LedgerReportBuilder.KeyOf(r, d) : null);
                Assert.Equal(expected, Actual(only));
                Assert.Equal(LedgerTestData.Sum(ml), only.Total);
            }
        }
    }

    [Fact]
    public async Task BreakdownAsync_ByATagKeyNoRecordHas_NamesTheKeysPresentWithoutReadingARecord()
    {
        await using var store = new ScanCountingLedgerStore(await CreateStoreAsync());
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var records = TagLedger(kolkata, seed: 3).Select((r, i) => i % 7 == 0 ? r with { Tags = new Dictionary<string, string>(r.Tags) { ["zone"] = "x" } } : r).ToList();
        await store.AppendAsync(records, Ct);
        var analytics = new LedgerAnalytics(store);

        var unknown = await analytics.BreakdownAsync(new BreakdownQuery { By = AnalyticsDimension.Tag("colour") }, Ct);
        var forTenant = await analytics.BreakdownAsync(new BreakdownQuery { By = AnalyticsDimension.Tag("colour"), Filter = new LedgerFilter { Tenant = "tenant-1" } }, Ct);
        var empty = await analytics.BreakdownAsync(new BreakdownQuery { By = AnalyticsDimension.Tag("colour"), Filter = new LedgerFilter { From = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), To = new DateTimeOffset(2020, 1, 2, 0, 0, 0, TimeSpan.Zero) } }, Ct);

        Assert.Equal("no record in the range has the tag key 'colour'; tag keys present: feature, team, zone", unknown.Error);
        Assert.StartsWith("no record in the range has the tag key 'colour'; tag keys present: ", forTenant.Error, StringComparison.Ordinal);
        Assert.Null(empty.Error);
        Assert.Empty(empty.Value!.Rows);
        Assert.Equal(0, store.RecordReads);
    }

    [Fact]
    public async Task QueryAsync_TagWithProjectFilterOrOtherGrouping_IsRefused()
    {
        await using var store = await CreateStoreAsync();
        var tag = new LedgerTag("team", "ml");

        await Assert.ThrowsAsync<ArgumentException>(() => store.QueryAsync(new LedgerQuery { Tag = tag, Filter = new LedgerFilter { Project = "p1" } }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.QueryAsync(new LedgerQuery { Tag = tag, GroupBy = LedgerDimension.User }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.QueryAsync(new LedgerQuery { Tag = tag, GroupByTag = "team" }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.QueryAsync(new LedgerQuery { GroupByTag = "team", Filter = new LedgerFilter { KeyId = "k1" } }, Ct).AsTask());
    }

    /// <summary>
    /// <see cref="ZoneLedger"/> with tags: no tag, the team alone (ml, search, or the empty value), or the team with a
    /// second tag; some records without a tenant or api flavour.
    /// </summary>
    internal static List<UsageRecord> TagLedger(TimeZoneInfo zone, int seed)
    {
        var random = new Random(seed * 31);
        return [.. ZoneLedger(zone, seed).Select((r, i) => r with
        {
            Tenant = i % 11 == 0 ? null : r.Tenant,
            ApiFlavor = i % 13 == 0 ? null : r.ApiFlavor,
            Tags = random.Next(6) switch
            {
                0 => new Dictionary<string, string>(),
                1 => new Dictionary<string, string> { ["team"] = "ml", ["feature"] = $"f{random.Next(3)}" },
                2 => new Dictionary<string, string> { ["team"] = "" },
                3 => new Dictionary<string, string> { ["team"] = "search" },
                _ => new Dictionary<string, string> { ["team"] = "ml" },
            },
        })];
    }

    /// <summary>Open and bounded ranges (down to the microsecond, and over DST changes), alone and with dimension filters.</summary>
    internal static List<LedgerFilter> TagFilters(string seedText)
    {
        var random = new Random(seedText.GetHashCode(StringComparison.Ordinal) & 0xffff);
        var filters = new List<LedgerFilter>
        {
            new(),
            new() { Tenant = "tenant-1", From = new DateTimeOffset(2026, 3, 27, 18, 30, 0, TimeSpan.Zero), To = new DateTimeOffset(2026, 4, 6, 0, 0, 0, TimeSpan.Zero) },
        };
        LedgerFilter[] dimensions = [new() { Provider = "openai" }, new() { Model = "claude-sonnet-4", ApiFlavor = "chat" }, new() { Tenant = "tenant-0" }];
        foreach (var dims in dimensions)
        {
            var from = ZoneLedgerStart.AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerDay * 230) / 10 * 10);
            filters.Add(dims with { From = from, To = from.AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerDay * 45) / 10 * 10) });
        }

        return filters;
    }

    private static List<(string? Label, string? Key, LedgerMetrics Sum)> Expected(List<UsageRecord> records, TimeZoneInfo zone, TimeBucket? bucket, Func<UsageRecord, string?> keyOf) =>
    [
        .. records
            .GroupBy(r => (Label: bucket is { } b ? LocalLabel(r.Timestamp, zone, b) : null, Key: keyOf(r) is { Length: > 0 } k ? k : null))
            .Select(g => (g.Key.Label, g.Key.Key, LedgerTestData.Sum(g)))
            .OrderBy(g => g.Label, StringComparer.Ordinal).ThenBy(g => g.Key, StringComparer.Ordinal),
    ];

    private static List<(string? Label, string? Key, LedgerMetrics Sum)> Actual(LedgerReport report) =>
    [
        .. report.Groups.Select(g => (g.BucketLabel, g.Key, g.Metrics))
            .OrderBy(g => g.BucketLabel, StringComparer.Ordinal).ThenBy(g => g.Key, StringComparer.Ordinal),
    ];
}
