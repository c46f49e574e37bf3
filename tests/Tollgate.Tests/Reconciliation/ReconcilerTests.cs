using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Pricing;
using Tollgate.Reconciliation;
using Tollgate.Reconciliation.Causes;
using Tollgate.Reconciliation.Matching;
using Tollgate.Reconciliation.Reading;
using Xunit;

namespace Tollgate.Tests.Reconciliation;

/// <summary>The reconciler over an in-memory ledger with planted differences, against exports built from the published schemas.</summary>
public sealed class ReconcilerTests
{
    private static readonly DateOnly D1 = new(2026, 11, 2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateOnly Day(int n) => D1.AddDays(n - 1);

    /// <summary>The provider's view of records: per day and model (named as the provider names it), summed.</summary>
    internal static List<ExportCell> CellsOf(IEnumerable<UsageRecord> records, Func<string, string> providerName) =>
        [.. records.GroupBy(r => (Day: DateOnly.FromDateTime(r.Timestamp.UtcDateTime), r.Model)).Select(g => new ExportCell(
            g.Key.Day, providerName(g.Key.Model),
            Input: g.Sum(r => r.Usage.UncachedInputTokens), Cached: g.Sum(r => r.Usage.CacheReadTokens),
            Write5m: g.Sum(r => r.Usage.CacheWriteTokens - r.Usage[UsageUnit.CacheWrite1hTokens]), Write1h: g.Sum(r => r.Usage[UsageUnit.CacheWrite1hTokens]),
            Output: g.Sum(r => r.Usage.OutputTokens), Requests: g.Count()))];

    internal static List<ExportCost> CostsOf(IEnumerable<UsageRecord> records, Func<string, string> providerName, Func<long, string> amount) =>
        [.. records.GroupBy(r => (Day: DateOnly.FromDateTime(r.Timestamp.UtcDateTime), r.Model))
            .Select(g => new ExportCost(g.Key.Day, providerName(g.Key.Model), amount(g.Sum(r => r.TotalCostNanos))))];

    private static string OpenAiName(string model) => model switch
    {
        "gpt-4o" => "gpt-4o-2024-08-06",
        "gpt-4o-mini" => "gpt-4o-mini-2024-07-18",
        _ => model,
    };

    private static string AnthropicName(string model) => model switch
    {
        "claude-sonnet-4-5" => "claude-sonnet-4-5-20250929",
        "claude-haiku-4-5" => "claude-haiku-4-5-20251001",
        _ => model,
    };

    private static async Task<ReconciliationResult> RunAsync(IReadOnlyList<UsageRecord> ledgerRecords, string provider, IReadOnlyList<ProviderFile> usage, IReadOnlyList<ProviderFile> costs, ReconciliationOptions? options = null)
    {
        var ledger = new InMemoryLedgerStore();
        await ledger.AppendAsync(ledgerRecords, Ct);
        var outcome = await new Reconciler(PriceCatalog.BuiltIn, options).RunAsync(ledger, new ReconciliationRequest { Provider = provider, Usage = usage, Costs = costs }, Ct);
        Assert.True(outcome.Value is not null, outcome.Error);
        return outcome.Value;
    }

    private static List<UsageRecord> OpenAiLedger() =>
    [
        ProviderExports.Record("a1", "openai", "gpt-4o", Day(1), input: 1_000_000, cached: 200_000, output: 300_000),
        ProviderExports.Record("a2", "openai", "gpt-4o", Day(1), input: 3_000_000, output: 700_000, minute: 5),
        ProviderExports.Record("a3", "openai", "gpt-4o-mini", Day(1), input: 50_000_000, cached: 10_000_000, output: 4_000_000),
        ProviderExports.Record("a4", "openai", "gpt-4o", Day(2), input: 2_000_000, cached: 1_000_000, output: 500_000),
        ProviderExports.Record("a5", "openai", "gpt-4o-mini", Day(2), input: 20_000_000, output: 1_000_000),
    ];

    [Fact]
    public async Task RunAsync_OpenAiPerfectMatch_CaptureRateOneAndNoDifferences()
    {
        var records = OpenAiLedger();
        var usage = ProviderExports.OpenAiUsagePages(CellsOf(records, OpenAiName), bucketsPerPage: 1);
        var costs = ProviderExports.OpenAiCostPages(CostsOf(records, OpenAiName, ProviderExports.Usd));

        var result = await RunAsync(records, "openai", [new("usage.json", ProviderExports.AsArray(usage))], [new("costs.jsonl", ProviderExports.AsLines(costs))]);

        Assert.Equal(1m, result.CaptureRate);
        Assert.Empty(result.Differences);
        Assert.Equal(records.Sum(r => r.TotalCostNanos), result.ProviderNanos);
        Assert.Equal(result.ProviderNanos, result.LedgerNanos);
        Assert.Equal("cost_report", result.ProviderUsdSource);
        Assert.Equal(4, result.Cells);
    }

    [Fact]
    public async Task RunAsync_AnthropicPerfectMatchWithCacheWritesByTtl_NoDifferences()
    {
        List<UsageRecord> records =
        [
            ProviderExports.Record("b1", "anthropic", "claude-sonnet-4-5", Day(1), input: 1200, cached: 30_000, write5m: 4000, output: 800),
            ProviderExports.Record("b2", "anthropic", "claude-sonnet-4-5", Day(1), input: 900, write1h: 6000, output: 400, minute: 9),
            ProviderExports.Record("b3", "anthropic", "claude-haiku-4-5", Day(2), input: 5000, cached: 2000, write1h: 1000, output: 1500),
        ];
        var usage = ProviderExports.AnthropicUsagePages(CellsOf(records, AnthropicName));
        var costs = ProviderExports.AnthropicCostPages(CostsOf(records, AnthropicName, ProviderExports.Cents));

        var result = await RunAsync(records, "anthropic", [.. usage.Select((p, i) => new ProviderFile($"usage-{i}.json", p))], [new("cost.json", ProviderExports.AsArray(costs))]);

        Assert.Empty(result.Differences);
        Assert.Equal(1m, result.CaptureRate);
        Assert.Equal(result.LedgerNanos, result.ProviderNanos);
    }

    [Fact]
    public async Task RunAsync_OpenAiPlantedDifferences_EachFoundAndClassified()
    {
        var records = OpenAiLedger();
        for (var d = 3; d <= 6; d++)
        {
            records.Add(ProviderExports.Record($"g{d}", "openai", "gpt-4o", Day(d), input: 10_000_000, cached: 2_000_000, output: 1_000_000));
            records.Add(ProviderExports.Record($"m{d}", "openai", "gpt-4o-mini", Day(d), input: 40_000_000, output: 2_000_000));
        }

        // Day 3 → 4 for gpt-4o-mini: the provider counts one of day 3's calls on day 4 (a time-zone shift).
        var shifted = ProviderExports.Record("shift", "openai", "gpt-4o-mini", Day(3), input: 5_000_000, output: 500_000, minute: 30);
        records.Add(shifted);
        var cells = CellsOf(records, OpenAiName);
        var costs = CostsOf(records, OpenAiName, ProviderExports.Usd);
        ExportCell Cell(int day, string model) => cells.Single(c => c.Day == Day(day) && c.Model == OpenAiName(model));
        ExportCost Cost(int day, string model) => costs.Single(c => c.Day == Day(day) && c.Model == OpenAiName(model));
        void Replace(ExportCell old, ExportCell now) => cells[cells.IndexOf(old)] = now;
        void ReplaceCost(ExportCost old, long nanos) => costs[costs.IndexOf(old)] = old with { Amount = ProviderExports.Usd(nanos) };
        long Nanos(ExportCost c) => Money.ToNanos(decimal.Parse(c.Amount, System.Globalization.CultureInfo.InvariantCulture));

        // Untracked calls: day 1 gpt-4o, the provider billed twice what went through Tollgate, in every kind.
        var c1 = Cell(1, "gpt-4o");
        Replace(c1, c1 with { Input = c1.Input * 2, Cached = c1.Cached * 2, Output = c1.Output * 2, Requests = c1.Requests * 2 });
        ReplaceCost(Cost(1, "gpt-4o"), Nanos(Cost(1, "gpt-4o")) * 2);

        // Time-zone shift: the shifted call moves from day 3 to day 4 on the provider's side.
        var m3 = Cell(3, "gpt-4o-mini");
        var m4 = Cell(4, "gpt-4o-mini");
        Replace(m3, m3 with { Input = m3.Input - 5_000_000, Output = m3.Output - 500_000, Requests = m3.Requests - 1 });
        Replace(m4, m4 with { Input = m4.Input + 5_000_000, Output = m4.Output + 500_000, Requests = m4.Requests + 1 });
        ReplaceCost(Cost(3, "gpt-4o-mini"), Nanos(Cost(3, "gpt-4o-mini")) - shifted.TotalCostNanos);
        ReplaceCost(Cost(4, "gpt-4o-mini"), Nanos(Cost(4, "gpt-4o-mini")) + shifted.TotalCostNanos);

        // Cache accounting: day 4 gpt-4o, 1.5 M of the input counted as cached by the provider (cost at its prices).
        var g4 = Cell(4, "gpt-4o");
        Replace(g4, g4 with { Input = g4.Input - 1_500_000, Cached = g4.Cached + 1_500_000 });
        ReplaceCost(Cost(4, "gpt-4o"), Nanos(Cost(4, "gpt-4o")) - Money.ToNanos(1_500_000 * (2.5m - 1.25m) / 1_000_000));

        // Batch: day 5 gpt-4o, batch jobs sent straight to the provider, billed at half price.
        cells.Add(new ExportCell(Day(5), "gpt-4o-2024-08-06", Input: 100_000, Output: 20_000, Requests: 40, Batch: true));
        ReplaceCost(Cost(5, "gpt-4o"), Nanos(Cost(5, "gpt-4o")) + Money.ToNanos(((100_000 * 2.5m) + (20_000 * 10m)) / 1_000_000 / 2));

        // Price-list mismatch: day 6 gpt-4o, same tokens, the provider charged 20 % more.
        ReplaceCost(Cost(6, "gpt-4o"), Nanos(Cost(6, "gpt-4o")) * 6 / 5);

        // Rounding: day 6 gpt-4o-mini, four tenths of a cent.
        ReplaceCost(Cost(6, "gpt-4o-mini"), Nanos(Cost(6, "gpt-4o-mini")) + 4_000_000);

        var result = await RunAsync(records, "openai",
            [new("usage.json", ProviderExports.AsArray(ProviderExports.OpenAiUsagePages(cells)))],
            [new("costs.json", ProviderExports.AsArray(ProviderExports.OpenAiCostPages(costs)))]);

        var expected = new Dictionary<(int, string), (string Cause, string[] Kinds)>
        {
            [(1, "gpt-4o")] = (DifferenceCause.Untracked, ["input", "cached_input", "output", "requests", "cost"]),
            [(3, "gpt-4o-mini")] = (DifferenceCause.TimeZoneShift, ["input", "output", "requests", "cost"]),
            [(4, "gpt-4o-mini")] = (DifferenceCause.TimeZoneShift, ["input", "output", "requests", "cost"]),
            [(4, "gpt-4o")] = (DifferenceCause.CacheAccounting, ["input", "cached_input", "cost"]),
            [(5, "gpt-4o")] = (DifferenceCause.Batch, ["input", "output", "requests", "cost"]),
            [(6, "gpt-4o")] = (DifferenceCause.PriceMismatch, ["cost"]),
            [(6, "gpt-4o-mini")] = (DifferenceCause.Rounding, ["cost"]),
        };
        foreach (var ((day, model), (cause, kinds)) in expected)
        {
            var found = result.Differences.Where(d => d.Day == Day(day) && d.Model == model).ToList();
            Assert.Equal(kinds, found.Select(d => ReconcileKinds.Name(d.Kind)));
            Assert.All(found, d => Assert.Equal(cause, d.Cause));
        }

        Assert.Equal(expected.Values.Sum(e => e.Kinds.Length), result.Differences.Count);
        Assert.Equal(100_000 - 0, result.Differences.Single(d => d.Day == Day(5) && d.Kind == ReconcileKind.Input).Delta);
        Assert.Equal(4_000_000, result.Differences.Single(d => d.Day == Day(6) && d.Model == "gpt-4o-mini").Delta);

        // Capture: per model min(ledger, provider) ÷ provider, both at list prices.
        decimal Gpt4o(long input, long cached, long output) => ((input * 2.5m) + (cached * 1.25m) + (output * 10m)) / 1_000_000;
        var gptLedger = records.Where(r => r.Model == "gpt-4o").Sum(r => Gpt4o(r.Usage.UncachedInputTokens, r.Usage.CacheReadTokens, r.Usage.OutputTokens));
        var gptProvider = cells.Where(c => c.Model == "gpt-4o-2024-08-06").Sum(c => Gpt4o(c.Input, c.Cached, c.Output));
        var miniLedger = records.Where(r => r.Model == "gpt-4o-mini").Sum(r => r.TotalCost);
        Assert.Equal(Math.Round((gptLedger + miniLedger) / (gptProvider + miniLedger), 6, MidpointRounding.ToZero), result.CaptureRate);
        Assert.True(result.CaptureRate < 1m);
    }

    [Fact]
    public async Task RunAsync_UniformDiscountAndOneOffPrice_DiscountApartFromTheMismatch()
    {
        var records = OpenAiLedger();
        var costs = CostsOf(records, OpenAiName, nanos => ProviderExports.Usd(nanos * 85 / 100)); // a negotiated 15 % off
        var odd = costs.Single(c => c.Day == Day(2) && c.Model == "gpt-4o-2024-08-06");
        costs[costs.IndexOf(odd)] = odd with { Amount = ProviderExports.Usd(records.Single(r => r.RequestId == "a4").TotalCostNanos * 11 / 10) };

        var result = await RunAsync(records, "openai",
            [new("usage.csv", ProviderExports.OpenAiUsageCsv(CellsOf(records, OpenAiName)))],
            [new("costs.csv", ProviderExports.OpenAiCostCsv(costs))]);

        Assert.All(result.Differences, d => Assert.Equal(ReconcileKind.Cost, d.Kind));
        Assert.Equal(4, result.Differences.Count);
        Assert.Equal(DifferenceCause.PriceMismatch, result.Differences.Single(d => d.Day == Day(2) && d.Model == "gpt-4o").Cause);
        Assert.All(result.Differences.Where(d => !(d.Day == Day(2) && d.Model == "gpt-4o")), d => Assert.Equal(DifferenceCause.Discount, d.Cause));
        Assert.Equal(1m, result.CaptureRate);
    }

    [Fact]
    public async Task RunAsync_AnthropicPriorityTierAndTtlShift_Classified()
    {
        List<UsageRecord> records =
        [
            ProviderExports.Record("p1", "anthropic", "claude-haiku-4-5", Day(1), input: 20_000, output: 3000),
            ProviderExports.Record("s1", "anthropic", "claude-sonnet-4-5", Day(1), input: 5000, write1h: 8000, output: 1000),
            ProviderExports.Record("s2", "anthropic", "claude-sonnet-4-5", Day(2), input: 7000, cached: 9000, output: 1200),
        ];
        var cells = CellsOf(records, AnthropicName);
        var costs = CostsOf(records, AnthropicName, ProviderExports.Cents);

        // Priority Tier: the haiku calls ran on Priority Tier — in the usage report, not in the cost report.
        var haiku = cells.Single(c => c.Model == "claude-haiku-4-5-20251001");
        cells[cells.IndexOf(haiku)] = haiku with { Tier = "priority" };
        costs.RemoveAll(c => c.Model == "claude-haiku-4-5-20251001");

        // Cache accounting: the provider counts day 1's 1-hour writes as 5-minute writes, and bills them so.
        var sonnet = cells.Single(c => c.Day == Day(1) && c.Model == "claude-sonnet-4-5-20250929");
        cells[cells.IndexOf(sonnet)] = sonnet with { Write5m = 8000, Write1h = 0 };
        var sonnetCost = costs.Single(c => c.Day == Day(1));
        costs[costs.IndexOf(sonnetCost)] = sonnetCost with { Amount = ProviderExports.Cents(records[1].TotalCostNanos - Money.ToNanos(8000 * (6m - 3.75m) / 1_000_000)) };

        var result = await RunAsync(records, "anthropic",
            [new("usage.csv", ProviderExports.AnthropicUsageCsv(cells))],
            [new("cost.csv", ProviderExports.AnthropicCostCsv(costs))]);

        var priority = Assert.Single(result.Differences, d => d.Model == "claude-haiku-4-5");
        Assert.Equal((ReconcileKind.Cost, DifferenceCause.PriorityTier, -records[0].TotalCostNanos), (priority.Kind, priority.Cause, priority.Delta));
        var shift = result.Differences.Where(d => d.Model == "claude-sonnet-4-5").ToList();
        Assert.Equal([ReconcileKind.CacheWrite5m, ReconcileKind.CacheWrite1h, ReconcileKind.Cost], shift.Select(d => d.Kind));
        Assert.All(shift, d => Assert.Equal(DifferenceCause.CacheAccounting, d.Cause));
        Assert.Equal(8000, shift[0].Delta);
        Assert.Equal(1m, result.CaptureRate);
    }

    [Fact]
    public async Task RunAsync_NoCostExportHalfTheCallsUntracked_CaptureRateHalfFromListPrices()
    {
        var records = OpenAiLedger();
        var doubled = CellsOf(records, OpenAiName).Select(c => c with { Input = c.Input * 2, Cached = c.Cached * 2, Output = c.Output * 2, Requests = c.Requests * 2 }).ToList();

        var result = await RunAsync(records, "openai", [new("usage.json", ProviderExports.OpenAiUsagePages(doubled, bucketsPerPage: 5).Single())], []);

        Assert.Equal(0.5m, result.CaptureRate);
        Assert.Equal("usage_at_list_prices", result.ProviderUsdSource);
        Assert.Equal(records.Sum(r => r.TotalCostNanos) * 2, result.ProviderNanos);
        Assert.All(result.Differences, d => Assert.Equal(DifferenceCause.Untracked, d.Cause));
        Assert.DoesNotContain(result.Differences, d => d.Kind == ReconcileKind.Cost);
    }

    [Fact]
    public async Task RunAsync_CostsNotGroupedByModel_ComparedPerDay()
    {
        var records = OpenAiLedger();
        var perDay = records.GroupBy(r => DateOnly.FromDateTime(r.Timestamp.UtcDateTime)).Select(g => new ExportCost(g.Key, null, ProviderExports.Usd(g.Sum(r => r.TotalCostNanos)))).ToList();
        perDay[1] = perDay[1] with { Amount = ProviderExports.Usd(Money.ToNanos(decimal.Parse(perDay[1].Amount, System.Globalization.CultureInfo.InvariantCulture)) + 50_000_000) };

        var result = await RunAsync(records, "openai",
            [new("usage.json", ProviderExports.AsArray(ProviderExports.OpenAiUsagePages(CellsOf(records, OpenAiName))))],
            [new("costs.json", ProviderExports.AsArray(ProviderExports.OpenAiCostPages(perDay)))]);

        var difference = Assert.Single(result.Differences);
        Assert.Equal((Day(2), Cell.AllModels, ReconcileKind.Cost, 50_000_000L, DifferenceCause.PriceMismatch), (difference.Day, difference.Model, difference.Kind, difference.Delta, difference.Cause));
    }

    [Fact]
    public async Task RunAsync_LedgerEmbeddings_NotInTheCompletionsExport_LeftOut()
    {
        var records = OpenAiLedger();
        var usage = ProviderExports.OpenAiUsagePages(CellsOf(records, OpenAiName));
        records.Add(ProviderExports.Record("e1", "openai", "text-embedding-3-small", Day(1), input: 5_000_000) with { ApiFlavor = "embeddings" });
        records.Add(ProviderExports.Record("e2", "openai", "gpt-4o", Day(2), input: 1000, minute: 40) with { ApiFlavor = "embeddings" });

        var result = await RunAsync(records, "openai", [new("usage.json", ProviderExports.AsArray(usage))], []);

        Assert.Empty(result.Differences);
        Assert.Equal(1m, result.CaptureRate);
    }

    [Fact]
    public async Task RunAsync_ShareOfEachDayCountedTheNextDay_ChainOfShiftsClassified()
    {
        var records = new List<UsageRecord>();
        for (var d = 1; d <= 3; d++)
        {
            records.Add(ProviderExports.Record($"m{d}", "openai", "gpt-4o-mini", Day(d), input: 30_000_000, cached: 3_000_000, output: 2_000_000));
        }

        // The provider's days start an hour earlier: the last hour of day 1 lands on day 2, day 2's on day 3.
        var cells = CellsOf(records, OpenAiName);
        cells[0] = cells[0] with { Input = cells[0].Input - 1_250_000, Output = cells[0].Output - 80_000 };
        cells[1] = cells[1] with { Input = cells[1].Input + 1_250_000 - 900_000, Output = cells[1].Output + 80_000 - 70_000, Cached = cells[1].Cached - 100_000 };
        cells[2] = cells[2] with { Input = cells[2].Input + 900_000, Output = cells[2].Output + 70_000, Cached = cells[2].Cached + 100_000 };

        var result = await RunAsync(records, "openai", [new("usage.json", ProviderExports.AsArray(ProviderExports.OpenAiUsagePages(cells)))], []);

        Assert.Equal(8, result.Differences.Count); // day 1: input, output; days 2 and 3: input, cached input, output
        Assert.All(result.Differences, d => Assert.Equal(DifferenceCause.TimeZoneShift, d.Cause));
        Assert.Equal(1m, result.CaptureRate);
    }

    [Fact]
    public async Task RunAsync_ExtraCallsOfAnotherMix_Untracked()
    {
        var records = OpenAiLedger();
        var cells = CellsOf(records, OpenAiName);
        var mini = cells.Single(c => c.Day == Day(2) && c.Model == "gpt-4o-mini-2024-07-18");
        cells[cells.IndexOf(mini)] = mini with { Input = mini.Input + 7_000_000, Output = mini.Output + 90_000, Requests = mini.Requests + 12 };

        var result = await RunAsync(records, "openai", [new("usage.json", ProviderExports.AsArray(ProviderExports.OpenAiUsagePages(cells)))], []);

        Assert.Equal(["input", "output", "requests"], result.Differences.Select(d => ReconcileKinds.Name(d.Kind)));
        Assert.All(result.Differences, d => Assert.Equal(DifferenceCause.Untracked, d.Cause));
    }

    [Fact]
    public async Task RunAsync_BatchBilledAtHalfPricePerDayCosts_Batch()
    {
        var records = OpenAiLedger();
        var cells = CellsOf(records, OpenAiName);

        // Day 2's gpt-4o-mini calls were batch jobs sent through Tollgate (priced in full there); the provider billed half.
        var mini = cells.Single(c => c.Day == Day(2) && c.Model == "gpt-4o-mini-2024-07-18");
        cells[cells.IndexOf(mini)] = mini with { Batch = true };
        var perDay = records.GroupBy(r => DateOnly.FromDateTime(r.Timestamp.UtcDateTime))
            .Select(g => new ExportCost(g.Key, null, ProviderExports.Usd(g.Sum(r => r.RequestId == "a5" ? r.TotalCostNanos / 2 : r.TotalCostNanos)))).ToList();

        var result = await RunAsync(records, "openai",
            [new("usage.json", ProviderExports.AsArray(ProviderExports.OpenAiUsagePages(cells)))],
            [new("costs.json", ProviderExports.AsArray(ProviderExports.OpenAiCostPages(perDay)))]);

        var difference = Assert.Single(result.Differences);
        Assert.Equal((Day(2), Cell.AllModels, ReconcileKind.Cost, DifferenceCause.Batch), (difference.Day, difference.Model, difference.Kind, difference.Cause));
        Assert.Equal(-records.Single(r => r.RequestId == "a5").TotalCostNanos / 2, difference.Delta);
    }

    [Fact]
    public async Task RunAsync_OneModelCheaperOnEveryDay_PriceMismatchNotDiscount()
    {
        var records = OpenAiLedger();
        for (var d = 3; d <= 6; d++)
        {
            records.Add(ProviderExports.Record($"g{d}", "openai", "gpt-4o", Day(d), input: 4_000_000, output: 300_000));
        }

        // gpt-4o's cost is 10 % lower on all its (five of eight) days; gpt-4o-mini's matches: a price list apart, not a discount.
        var costs = CostsOf(records, OpenAiName, ProviderExports.Usd).Select(c => c.Model == "gpt-4o-2024-08-06"
            ? c with { Amount = ProviderExports.Usd(Money.ToNanos(decimal.Parse(c.Amount, System.Globalization.CultureInfo.InvariantCulture)) * 9 / 10) } : c).ToList();

        var result = await RunAsync(records, "openai",
            [new("usage.json", ProviderExports.AsArray(ProviderExports.OpenAiUsagePages(CellsOf(records, OpenAiName))))],
            [new("costs.json", ProviderExports.AsArray(ProviderExports.OpenAiCostPages(costs)))]);

        Assert.Equal(6, result.Differences.Count);
        Assert.All(result.Differences, d => Assert.Equal(("gpt-4o", DifferenceCause.PriceMismatch), (d.Model, d.Cause)));
    }

    [Fact]
    public async Task RunAsync_CacheWritesTheLedgerDidNotCount_CacheAccounting()
    {
        List<UsageRecord> records = [ProviderExports.Record("s", "anthropic", "claude-sonnet-4-5", Day(1), input: 3_000_000, cached: 1_000_000, output: 200_000)];
        var cells = CellsOf(records, AnthropicName);
        cells[0] = cells[0] with { Write5m = 600_000 };

        var result = await RunAsync(records, "anthropic", [new("usage.json", ProviderExports.AnthropicUsagePages(cells).Single())], []);

        var difference = Assert.Single(result.Differences);
        Assert.Equal((ReconcileKind.CacheWrite5m, 600_000L, DifferenceCause.CacheAccounting), (difference.Kind, difference.Delta, difference.Cause));
    }

    [Fact]
    public async Task RunAsync_FromTo_OnlyThoseDays()
    {
        var records = OpenAiLedger();
        var cells = CellsOf(records, OpenAiName);
        var first = cells.Single(c => c.Day == Day(1) && c.Model == "gpt-4o-2024-08-06");
        cells[cells.IndexOf(first)] = first with { Output = first.Output + 1 };
        var ledger = new InMemoryLedgerStore();
        await ledger.AppendAsync(records, Ct);

        var outcome = await new Reconciler(PriceCatalog.BuiltIn).RunAsync(ledger, new ReconciliationRequest
        {
            Provider = "openai",
            Usage = [new("usage.json", ProviderExports.AsArray(ProviderExports.OpenAiUsagePages(cells)))],
            From = new DateTimeOffset(Day(2).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        }, Ct);

        Assert.Empty(outcome.Value!.Differences);
        Assert.Equal(Day(2), outcome.Value.FirstDay);
        Assert.Equal(records.Where(r => r.Timestamp >= new DateTimeOffset(Day(2).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)).Sum(r => r.TotalCostNanos), outcome.Value.LedgerNanos);
    }
}
