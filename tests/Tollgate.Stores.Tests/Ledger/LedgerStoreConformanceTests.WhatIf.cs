using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Pricing;
using Tollgate.Savings;

namespace Tollgate.Stores.Tests.Ledger;

/// <summary>The narrowed scan and the what-if that reads through it, on every store.</summary>
public abstract partial class LedgerStoreConformanceTests
{
    [Fact]
    public async Task ScanAsync_WithSubset_ReturnsOnlyMovedEstimatedAndUnpricedRecords()
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(400);
        await store.AppendAsync(records, Ct);
        var filter = new LedgerFilter { From = LedgerTestData.Start.AddDays(2).AddSeconds(7), To = LedgerTestData.Start.AddDays(30).AddMinutes(7) };
        var subset = new LedgerScanSubset(["gpt-4o", "it's-not-there"], ["google"]);

        var scanned = new List<UsageRecord>();
        await foreach (var record in store.ScanAsync(filter, subset, Ct))
        {
            scanned.Add(record);
        }

        static string Key(UsageRecord r) => $"{r.RequestId}/{r.Attempt}";
        var expected = records.Where(r => filter.Matches(r) && subset.Matches(r)).Select(Key).Order(StringComparer.Ordinal).ToList();
        Assert.Contains(records, r => filter.Matches(r) && !subset.Matches(r));
        Assert.Contains(records, r => filter.Matches(r) && r.Estimated && r.Model != "gpt-4o");
        Assert.Contains(records, r => filter.Matches(r) && r.Unpriced && r.Provider != "google");
        Assert.Equal(expected, scanned.Select(Key).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task ScanAsync_WithTags_ReturnsOnlyRecordsCarryingEveryTag()
    {
        await using var store = await CreateStoreAsync();
        // Tags of every kind a value can be: plain, empty, quoted, non-ASCII, with path-like characters; keys alone or with others.
        string[] values = ["ml", "", "a \"quoted\" one", "ünïcode ✓", "x/y:z_1-2.3"];
        var records = LedgerTestData.Many(400).Select((r, i) => r with
        {
            Tags = (i % 5) switch
            {
                0 => new Dictionary<string, string>(),
                1 => new Dictionary<string, string> { ["team"] = values[i / 5 % values.Length] },
                2 => new Dictionary<string, string> { ["team"] = values[i / 5 % values.Length], ["feature"] = $"f{i % 3}" },
                3 => new Dictionary<string, string> { ["feature"] = $"f{i % 3}", ["tea"] = "ml" },
                _ => new Dictionary<string, string> { ["team"] = "ml", ["feature"] = "f1" },
            },
        }).ToList();
        await store.AppendAsync(records, Ct);
        var filter = new LedgerFilter { From = LedgerTestData.Start.AddDays(2).AddSeconds(7), To = LedgerTestData.Start.AddDays(30).AddMinutes(7) };

        static string Key(UsageRecord r) => $"{r.RequestId}/{r.Attempt}";
        foreach (var (subset, tags) in new (LedgerScanSubset, LedgerTag[])[]
        {
            (LedgerScanSubset.Every, [new("team", "ml")]),
            (LedgerScanSubset.Every, [new("team", "ml"), new("feature", "f1")]),
            (LedgerScanSubset.Every, [new("team", "")]),
            (LedgerScanSubset.Every, [new("team", "a \"quoted\" one")]),
            (LedgerScanSubset.Every, [new("team", "ünïcode ✓")]),
            (LedgerScanSubset.Every, [new("team", "x/y:z_1-2.3")]),
            (LedgerScanSubset.Every, [new("tea", "ml")]),
            (new LedgerScanSubset(["gpt-4o"], []), [new("feature", "f1")]),
        })
        {
            var tagged = subset with { Tags = tags };
            var scanned = new List<string>();
            await foreach (var record in store.ScanAsync(filter, tagged, Ct))
            {
                scanned.Add(Key(record));
            }

            var expected = records.Where(r => filter.Matches(r) && subset.Matches(r) && tags.All(t => r.Tags.TryGetValue(t.Key, out var v) && v == t.Value))
                .Select(Key).Order(StringComparer.Ordinal).ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, scanned.Order(StringComparer.Ordinal).ToList());
        }
    }

    [Fact]
    public async Task WhatIf_MapsOnly_EqualsEveryRecordRepricedOneByOne()
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(600);
        await store.AppendAsync(records, Ct);
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        var query = new WhatIfQuery
        {
            // Edges inside quarter-hours: the rollups answer the middle, raw records the edges.
            Filter = new LedgerFilter { From = LedgerTestData.Start.AddDays(1).AddMinutes(5).AddTicks(3), To = LedgerTestData.Start.AddDays(33).AddMinutes(52) },
            By = AnalyticsDimension.Of(LedgerDimension.Tenant),
            ModelMap = new Dictionary<string, string> { ["gpt-4o"] = "gpt-4o-mini" },
            ProviderMap = new Dictionary<string, string> { ["google"] = "openai" },
        };

        var outcome = await new WhatIfRepricer(engine, engine).RunAsync(store, query, Ct);

        // By hand: a moved record is repriced where it moves to, every other record costs what it cost.
        var groups = new SortedDictionary<string, (long Requests, long Actual, long WhatIf)>(StringComparer.Ordinal);
        long unpriced = 0, unpricedInScenario = 0, estimated = 0;
        foreach (var r in records.Where(query.Filter.Matches))
        {
            if (r.Unpriced)
            {
                unpriced++;
                continue;
            }

            var whatIf = r.TotalCostNanos;
            if (r.Model == "gpt-4o" || r.Provider == "google")
            {
                var cost = engine.Calculate(r.Provider == "google" ? "openai" : r.Provider, r.Model == "gpt-4o" ? "gpt-4o-mini" : r.Model, r.Usage, r.Timestamp);
                if (!cost.Priced)
                {
                    unpricedInScenario++;
                    continue;
                }

                whatIf = Money.ToNanos(cost.TotalCost);
            }

            if (r.Estimated)
            {
                estimated++;
                continue;
            }

            var g = groups.GetValueOrDefault(r.Tenant!);
            groups[r.Tenant!] = (g.Requests + 1, g.Actual + r.TotalCostNanos, g.WhatIf + whatIf);
        }

        var result = Assert.IsType<WhatIfResult>(outcome.Value);
        Assert.True(unpricedInScenario > 0 && estimated > 0 && unpriced > 0);
        Assert.Equal(groups.Select(g => new WhatIfGroup(g.Key, g.Value.Requests, g.Value.Actual, g.Value.WhatIf)),
            result.Groups.OrderBy(g => g.Key, StringComparer.Ordinal));
        Assert.Equal(groups.Values.Sum(g => g.Requests), result.Requests);
        Assert.Equal((unpriced, unpricedInScenario, estimated), (result.Unpriced, result.UnpricedInScenario, result.Estimated.Requests));
        Assert.NotEqual(result.ActualNanos, result.WhatIfNanos);
    }

    [Fact]
    public async Task WhatIf_MapsOnly_ReadsOnlyTheRecordsItMustReprice()
    {
        await using var inner = await CreateStoreAsync();
        var records = WithOutliers(LedgerTestData.Many(600)).Select((r, i) => r with { Tags = new Dictionary<string, string> { ["team"] = $"team-{i % 3}" } }).ToList();
        await inner.AppendAsync(records, Ct);
        var store = new CountingScans(inner);
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        // gpt-4o's and gpt-4o-mini's prices are flat: repriced from sums. gemini-2.5-pro's are tiered and one call
        // reached its long-context tier: read one by one.
        var map = new WhatIfQuery { ModelMap = new Dictionary<string, string> { ["gpt-4o"] = "gpt-4o-mini", ["gemini-2.5-pro"] = "gemini-2.5-flash" } };

        var mapped = (await new WhatIfRepricer(engine, engine).RunAsync(store, map, Ct)).Value!;
        var read = store.Scanned;
        var byTag = (await new WhatIfRepricer(engine, engine).RunAsync(store, map with { By = AnalyticsDimension.Tag("team") }, Ct)).Value!;

        Assert.Equal(records.Count(r => r.Model == "gemini-2.5-pro" || r.Estimated || r.Unpriced), read);
        Assert.Equal(records.Count, store.Scanned - read);   // grouping by a tag reads every record
        Assert.Equal((mapped.Requests, mapped.ActualNanos, mapped.WhatIfNanos), (byTag.Requests, byTag.ActualNanos, byTag.WhatIfNanos));
        Assert.Equal(3, byTag.Groups.Count);
    }

    [Fact]
    public async Task WhatIf_ChangedPriceOfOneModel_RepricesOnlyItsRecordsAndReadsOnlyThem()
    {
        await using var inner = await CreateStoreAsync();
        var records = LedgerTestData.Many(600);
        await inner.AppendAsync(records, Ct);
        var store = new CountingScans(inner);
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        var asked = new List<(string, string)>();
        var query = new WhatIfQuery
        {
            PricesChangedFor = (provider, model) =>
            {
                asked.Add((provider, model));
                return model == "gpt-4o-mini";
            },
        };

        var result = (await new WhatIfRepricer(engine, new HalfPrice(engine)).RunAsync(store, query, Ct)).Value!;

        long expected = 0;
        foreach (var r in records.Where(r => !r.Unpriced && !r.Estimated))
        {
            expected += r.Model == "gpt-4o-mini" ? Money.ToNanos(engine.Calculate(r.Provider, r.Model, r.Usage, r.Timestamp).TotalCost / 2) : r.TotalCostNanos;
        }

        Assert.Equal(expected, result.WhatIfNanos);
        Assert.Equal(records.Where(r => !r.Unpriced && !r.Estimated).Sum(r => r.TotalCostNanos), result.ActualNanos);
        Assert.Equal(records.Count(r => r.Model == "gpt-4o-mini" || r.Estimated || r.Unpriced), store.Scanned);
        Assert.Equal(records.Select(r => (r.Provider, r.Model)).Distinct().Order(), asked.Order());
    }

    [Fact]
    public async Task WhatIf_DiscountOnFlatPricedModels_RepricesFromSumsAsOneByOneReadingOnlyFlaggedRecords()
    {
        await using var inner = await CreateStoreAsync();
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        var records = AtPricesInForce(engine, LedgerTestData.Many(600));
        await inner.AppendAsync(records, Ct);
        var store = new CountingScans(inner);
        var discounted = new CostEngine(PriceCatalog.BuiltIn, new PricingOptions { NegotiatedDiscounts = [new NegotiatedDiscount("openai", null, 20)] });
        var query = new WhatIfQuery
        {
            Filter = new LedgerFilter { From = LedgerTestData.Start.AddDays(1).AddMinutes(5).AddTicks(3), To = LedgerTestData.Start.AddDays(33).AddMinutes(52) },
            By = AnalyticsDimension.Of(LedgerDimension.Tenant),
            PricesChangedFor = (provider, model) => !engine.PricesAlike(discounted, provider, model),
        };

        var result = (await new WhatIfRepricer(engine, discounted).RunAsync(store, query, Ct)).Value!;

        // gpt-4o and gpt-4o-mini have flat prices whose 80 % is still whole nano-dollars per token: repriced from sums.
        Assert.True(engine.PricesSumsExactly("openai", "gpt-4o", Long, false) && discounted.PricesSumsExactly("openai", "gpt-4o-mini", Long, false));
        var expected = ByHand(records.Where(query.Filter.Matches), r => r.Provider == "openai" ? discounted : null);
        Assert.Equal(expected.Groups, result.Groups.OrderBy(g => g.Key, StringComparer.Ordinal));
        Assert.Equal((expected.Estimated, 0L), (result.Estimated.Requests, result.NotReproduced));
        Assert.True(result.WhatIfNanos < result.ActualNanos);
        Assert.Equal(records.Count(r => query.Filter.Matches(r) && (r.Estimated || r.Unpriced)), store.Scanned);
    }

    [Fact]
    public async Task WhatIf_NoScenarioOnALedgerAtPricesInForce_ReproducesAndFindsTheOneRecordThatDiffers()
    {
        await using var inner = await CreateStoreAsync();
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        var records = AtPricesInForce(engine, LedgerTestData.Many(600));
        var odd = records.FindIndex(r => r.Model == "gpt-4o-mini" && !r.Estimated && !r.Unpriced);
        records[odd] = records[odd] with { TotalCost = records[odd].TotalCost + 0.000000007m };
        await inner.AppendAsync(records, Ct);
        var store = new CountingScans(inner);

        var result = (await new WhatIfRepricer(engine, engine).RunAsync(store, new WhatIfQuery(), Ct)).Value!;

        Assert.Equal((1L, 7L), (result.NotReproduced, result.NotReproducedDeltaNanos));
        Assert.Equal(result.ActualNanos - 7, result.WhatIfNanos);
        Assert.Equal(records.Count(r => !r.Unpriced && !r.Estimated), result.Requests);
        // Read one by one: the flagged records, those of models not priced flat, and gpt-4o-mini's (its sums did not reproduce).
        Assert.True(engine.PricesSumsExactly("openai", "gpt-4o", Long, false) && engine.PricesSumsExactly("google", "gemini-2.5-pro", Long, false));
        Assert.Equal(records.Count(r => r.Estimated || r.Unpriced || !engine.PricesSumsExactly(r.Provider, r.Model, Long, false) || r.Model == "gpt-4o-mini"), store.Scanned);
    }

    [Fact]
    public async Task WhatIf_NoScenarioOnALedgerThatDoesNotReproduce_ReadsEachRecordOnceAndCountsEveryDifference()
    {
        await using var inner = await CreateStoreAsync();
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        // Flat-priced models only, at made-up costs: every day's sums differ, so every record is read one by one.
        var records = LedgerTestData.Many(600).Where(r => r.Provider == "openai").ToList();
        await inner.AppendAsync(records, Ct);
        var store = new CountingScans(inner);

        var result = (await new WhatIfRepricer(engine, engine).RunAsync(store, new WhatIfQuery(), Ct)).Value!;

        var repriced = records.Where(r => !r.Unpriced).ToList();
        var differing = repriced.Where(r => Money.ToNanos(engine.Calculate(r.Provider, r.Model, r.Usage, r.Timestamp).TotalCost) != r.TotalCostNanos).ToList();
        Assert.Equal(differing.Count, result.NotReproduced);
        Assert.Equal(differing.Sum(r => r.TotalCostNanos - Money.ToNanos(engine.Calculate(r.Provider, r.Model, r.Usage, r.Timestamp).TotalCost)), result.NotReproducedDeltaNanos);
        Assert.Equal(records.Count, store.Scanned);
    }

    [Fact]
    public async Task WhatIf_LongCallsAndCallsWithOtherUnits_ReadTheirModelsOneByOne()
    {
        await using var inner = await CreateStoreAsync();
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        var records = WithOutliers(LedgerTestData.Many(600));
        records = AtPricesInForce(engine, records);
        await inner.AppendAsync(records, Ct);
        var store = new CountingScans(inner);
        var discounted = new CostEngine(PriceCatalog.BuiltIn, new PricingOptions
        {
            NegotiatedDiscounts = [new NegotiatedDiscount("openai", null, 20), new NegotiatedDiscount("anthropic", null, 20), new NegotiatedDiscount("google", null, 20)],
        });
        var query = new WhatIfQuery
        {
            By = AnalyticsDimension.Of(LedgerDimension.Tenant),
            PricesChangedFor = (provider, model) => !engine.PricesAlike(discounted, provider, model),
        };

        var result = (await new WhatIfRepricer(engine, discounted).RunAsync(store, query, Ct)).Value!;

        // gemini-2.5-pro had a call in its long-context tier, claude-sonnet-4 one with one-hour cache writes: read one by one.
        var expected = ByHand(records, _ => discounted);
        Assert.Equal(expected.Groups, result.Groups.OrderBy(g => g.Key, StringComparer.Ordinal));
        Assert.Equal(records.Count(r => r.Estimated || r.Unpriced || r.Model is "gemini-2.5-pro" or "claude-sonnet-4"), store.Scanned);
    }

    [Fact]
    public async Task UsageOutliersAsync_LongAndOtherUnitRecords_NamesTheirModelsInTheRange()
    {
        await using var store = await CreateStoreAsync();
        var records = WithOutliers(LedgerTestData.Many(300));
        var last = records.MaxBy(r => r.Timestamp)!;
        // A long call that is estimated (read one by one anyway), and one after the range.
        records.Add(LedgerTestData.Record("estimated-long", last.Timestamp, "openai", "gpt-4o") with { Estimated = true, Usage = new Usage { InputTokens = 300_000 } });
        records.Add(LedgerTestData.Record("later-long", last.Timestamp.AddDays(3), "openai", "gpt-4o-mini") with { Usage = new Usage { InputTokens = 300_000 } });
        await store.AppendAsync(records, Ct);

        var outliers = await store.UsageOutliersAsync(new LedgerFilter { To = last.Timestamp.AddDays(1) }, Ct);

        var sonnet = records.Single(r => r.RequestId == "outlier-units");
        Assert.Equal(
            [new LedgerUsageOutlier("anthropic", "claude-sonnet-4", true, sonnet.Usage.InputTokens), new LedgerUsageOutlier("google", "gemini-2.5-pro", false, 250_000)],
            outliers.OrderBy(o => o.Provider, StringComparer.Ordinal));
        Assert.Empty(await store.UsageOutliersAsync(new LedgerFilter { From = last.Timestamp.AddDays(2), To = last.Timestamp.AddDays(2.5) }, Ct));
    }

    private const long Long = LedgerUsageOutlier.LongInputTokens;

    /// <summary>The records with one gemini-2.5-pro call in its long-context tier and one claude-sonnet-4 call reporting one-hour cache writes.</summary>
    private static List<UsageRecord> WithOutliers(List<UsageRecord> records)
    {
        var gemini = records.FindIndex(r => r.Model == "gemini-2.5-pro" && !r.Estimated && !r.Unpriced);
        records[gemini] = records[gemini] with { RequestId = "outlier-long", Usage = new Usage { InputTokens = 250_000, CacheReadTokens = 1_000, OutputTokens = 900 } };
        var sonnet = records.FindIndex(r => r.Model == "claude-sonnet-4" && !r.Estimated && !r.Unpriced);
        var usage = new Usage { InputTokens = 4_000, CacheReadTokens = 500, CacheWriteTokens = 300, OutputTokens = 700 };
        usage.Set(UsageUnit.CacheWrite1hTokens, 100);
        records[sonnet] = records[sonnet] with { RequestId = "outlier-units", Usage = usage };
        return records;
    }

    /// <summary>The records as a door would have priced them under <paramref name="engine"/> (the unpriced ones at 0).</summary>
    private static List<UsageRecord> AtPricesInForce(CostEngine engine, List<UsageRecord> records) => [.. records.Select(r =>
    {
        var cost = engine.Calculate(r.Provider, r.Model, r.Usage, r.Timestamp);
        return r.Unpriced || !cost.Priced
            ? r with { InputCost = 0, OutputCost = 0, TotalCost = 0, Unpriced = true }
            : r with { InputCost = cost.InputCost, OutputCost = cost.OutputCost, TotalCost = cost.TotalCost };
    })];

    /// <summary>Each priced, measured record repriced one by one where <paramref name="scenarioFor"/> gives a price list, per tenant.</summary>
    private static (List<WhatIfGroup> Groups, long Estimated) ByHand(IEnumerable<UsageRecord> records, Func<UsageRecord, ICostCalculator?> scenarioFor)
    {
        var groups = new SortedDictionary<string, (long Requests, long Actual, long WhatIf)>(StringComparer.Ordinal);
        long estimated = 0;
        foreach (var r in records.Where(r => !r.Unpriced))
        {
            if (r.Estimated)
            {
                estimated++;
                continue;
            }

            var whatIf = scenarioFor(r) is { } scenario ? Money.ToNanos(scenario.Calculate(r.Provider, r.Model, r.Usage, r.Timestamp).TotalCost) : r.TotalCostNanos;
            var g = groups.GetValueOrDefault(r.Tenant!);
            groups[r.Tenant!] = (g.Requests + 1, g.Actual + r.TotalCostNanos, g.WhatIf + whatIf);
        }

        return ([.. groups.Select(g => new WhatIfGroup(g.Key, g.Value.Requests, g.Value.Actual, g.Value.WhatIf))], estimated);
    }

    [Theory]
    [InlineData("UTC")]
    [InlineData("Asia/Kolkata")]
    [InlineData("Asia/Kathmandu")]
    public async Task QueryAsync_GroupByTag_EqualsTheRecordsThatCarryIt(string zoneId)
    {
        await using var store = await CreateStoreAsync();
        var random = new Random(5);
        // Some records with one tag, some with two, some with none; one value is empty.
        var records = LedgerTestData.Many(500).Select((r, i) => r with
        {
            Tags = (i % 5) switch
            {
                0 => new Dictionary<string, string>(),
                1 => new Dictionary<string, string> { ["team"] = "ml", ["feature"] = "search" },
                2 => new Dictionary<string, string> { ["team"] = "" },
                _ => new Dictionary<string, string> { ["team"] = $"t{random.Next(3)}" },
            },
        }).ToList();
        // The second batch repeats ten records: a store's exact (row by row) path adds the tag sums of the new ones only.
        await store.AppendAsync(records[..250], Ct);
        await store.AppendAsync([.. records[..10], .. records[250..]], Ct);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        // Local day bounds (rollups), and a bound inside a quarter hour (raw records at the edge).
        var localDay = DateTime.SpecifyKind(LedgerTestData.Start.UtcDateTime.Date.AddDays(2), DateTimeKind.Unspecified);
        var from = new DateTimeOffset(localDay, zone.GetUtcOffset(localDay)).AddMinutes(7).AddSeconds(3);
        var filter = new LedgerFilter { From = from, To = from.AddDays(25).AddHours(5).AddMinutes(52) };

        var report = await store.QueryAsync(new LedgerQuery { Filter = filter, GroupByTag = "team", TimeZone = zone }, Ct);

        var expected = records.Where(r => filter.Matches(r) && r.Tags.ContainsKey("team"))
            .GroupBy(r => r.Tags["team"]).Select(g => (Key: g.Key.Length == 0 ? null : g.Key, Sum: LedgerTestData.Sum(g)))
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(5, expected.Count);   // ml, t0, t1, t2 and the empty value
        Assert.Equal(expected, report.Groups.Select(g => (g.Key, Sum: g.Metrics)).OrderBy(g => g.Key, StringComparer.Ordinal).ToList());
        Assert.Equal(LedgerTestData.Sum(records.Where(r => filter.Matches(r) && r.Tags.ContainsKey("team"))), report.Total);
        Assert.Throws<ArgumentException>(() => LedgerReportBuilder.Validate(new LedgerQuery { GroupByTag = "team", Filter = new LedgerFilter { Project = "project-1" } }));
    }

    /// <summary>A scenario at half the prices in force.</summary>
    private sealed class HalfPrice(ICostCalculator inner) : ICostCalculator
    {
        public CostBreakdown Calculate(string provider, string model, Usage usage, DateTimeOffset timestamp)
        {
            var cost = inner.Calculate(provider, model, usage, timestamp);
            return cost with { InputCost = cost.InputCost / 2, OutputCost = cost.OutputCost / 2, TotalCost = cost.TotalCost / 2 };
        }
    }

    /// <summary>A store that counts the records its scans hand out.</summary>
    private sealed class CountingScans(ILedgerStore inner) : ILedgerStore
    {
        private long _scanned;

        public long Scanned => Interlocked.Read(ref _scanned);

        public ValueTask<LedgerAppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) => inner.AppendAsync(records, cancellationToken);

        public ValueTask<LedgerReport> QueryAsync(LedgerQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

        public IAsyncEnumerable<UsageRecord> ReadAsync(LedgerFilter filter, CancellationToken cancellationToken = default) => inner.ReadAsync(filter, cancellationToken);

        public IAsyncEnumerable<UsageRecord> ScanAsync(LedgerFilter filter, CancellationToken cancellationToken = default) => Count(inner.ScanAsync(filter, cancellationToken));

        public IAsyncEnumerable<UsageRecord> ScanAsync(LedgerFilter filter, LedgerScanSubset subset, CancellationToken cancellationToken = default) => Count(inner.ScanAsync(filter, subset, cancellationToken));

        public ValueTask<IReadOnlyList<LedgerUsageOutlier>> UsageOutliersAsync(LedgerFilter filter, CancellationToken cancellationToken = default) => inner.UsageOutliersAsync(filter, cancellationToken);

        public ValueTask<UsageRecord?> FindAsync(LedgerKey key, CancellationToken cancellationToken = default) => inner.FindAsync(key, cancellationToken);

        public ValueTask<long> PurgeRawBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => inner.PurgeRawBeforeAsync(cutoff, cancellationToken);

        public ValueTask<DateTimeOffset?> GetRetentionCutoffAsync(CancellationToken cancellationToken = default) => inner.GetRetentionCutoffAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private async IAsyncEnumerable<UsageRecord> Count(IAsyncEnumerable<UsageRecord> records)
        {
            await foreach (var record in records)
            {
                Interlocked.Increment(ref _scanned);
                yield return record;
            }
        }
    }
}
