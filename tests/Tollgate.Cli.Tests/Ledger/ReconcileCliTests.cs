using System.Globalization;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Cli.Tests.Ledger;

/// <summary><c>tollgate reconcile</c> on a SQLite ledger against provider exports built from the published schemas.</summary>
public sealed class ReconcileCliTests : IDisposable
{
    private static readonly DateOnly D1 = new(2026, 11, 2);

    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-reconcile-").FullName;

    private string Store() => "sqlite:" + Path.Combine(_dir, "tollgate.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task ImportAsync(IEnumerable<UsageRecord> records)
    {
        var path = Path.Combine(_dir, "records.jsonl");
        await File.WriteAllLinesAsync(path, records.Select(LedgerJsonLines.Serialize), Ct);
        var run = await CliRun.RunAsync("import", path, "--store", Store());
        Assert.True(run.ExitCode == 0, run.Error);
    }

    private async Task<string> FileAsync(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        await File.WriteAllTextAsync(path, text, Ct);
        return path;
    }

    private static List<UsageRecord> AnthropicLedger() =>
    [
        ProviderExports.Record("s1", "anthropic", "claude-sonnet-4-5", D1, input: 2_000_000, cached: 9_000_000, write5m: 500_000, output: 300_000),
        ProviderExports.Record("s2", "anthropic", "claude-sonnet-4-5", D1, input: 1_000_000, write1h: 700_000, output: 200_000, minute: 7),
        ProviderExports.Record("h1", "anthropic", "claude-haiku-4-5", D1, input: 8_000_000, output: 900_000),
        ProviderExports.Record("s3", "anthropic", "claude-sonnet-4-5", D1.AddDays(1), input: 3_000_000, output: 400_000),
        ProviderExports.Record("h2", "anthropic", "claude-haiku-4-5", D1.AddDays(1), input: 6_000_000, cached: 1_000_000, output: 700_000),
        ProviderExports.Record("h3", "anthropic", "claude-haiku-4-5", D1.AddDays(2), input: 5_000_000, output: 500_000),
    ];

    private static List<ExportCell> Cells(IEnumerable<UsageRecord> records) =>
    [
        .. records.GroupBy(r => (Day: DateOnly.FromDateTime(r.Timestamp.UtcDateTime), r.Model)).Select(g => new ExportCell(
            g.Key.Day, g.Key.Model == "claude-sonnet-4-5" ? "claude-sonnet-4-5-20250929" : "claude-haiku-4-5-20251001",
            Input: g.Sum(r => r.Usage.UncachedInputTokens), Cached: g.Sum(r => r.Usage.CacheReadTokens),
            Write5m: g.Sum(r => r.Usage.CacheWriteTokens - r.Usage[UsageUnit.CacheWrite1hTokens]), Write1h: g.Sum(r => r.Usage[UsageUnit.CacheWrite1hTokens]),
            Output: g.Sum(r => r.Usage.OutputTokens))),
    ];

    private static List<ExportCost> Costs(IEnumerable<UsageRecord> records) =>
    [
        .. records.GroupBy(r => (Day: DateOnly.FromDateTime(r.Timestamp.UtcDateTime), r.Model)).Select(g => new ExportCost(
            g.Key.Day, g.Key.Model == "claude-sonnet-4-5" ? "claude-sonnet-4-5-20250929" : "claude-haiku-4-5-20251001", ProviderExports.Cents(g.Sum(r => r.TotalCostNanos)))),
    ];

    [Fact]
    public async Task Reconcile_AnthropicPerfectMatch_CaptureRateOneNoDifferences()
    {
        var records = AnthropicLedger();
        await ImportAsync(records);
        var pages = ProviderExports.AnthropicUsagePages(Cells(records), bucketsPerPage: 2);
        var usage1 = await FileAsync("usage-1.json", pages[0]);
        var usage2 = await FileAsync("usage-2.json", pages[1]);
        var costs = await FileAsync("cost.jsonl", ProviderExports.AsLines(ProviderExports.AnthropicCostPages(Costs(records))));

        var run = await CliRun.RunAsync("reconcile", "--provider", "anthropic", "--usage", usage1, usage2, "--costs", costs, "--json", "--store", Store());
        var human = await CliRun.RunAsync("reconcile", "--provider", "anthropic", "--usage", usage1, usage2, "--costs", costs, "--store", Store());

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        var root = doc.RootElement;
        Assert.Equal(1m, root.GetProperty("capture_rate").GetDecimal());
        Assert.Equal(0, root.GetProperty("differences").GetArrayLength());
        var total = Money.Format(Money.FromNanos(records.Sum(r => r.TotalCostNanos)));
        Assert.Equal(total, root.GetProperty("provider_usd").GetString());
        Assert.Equal(total, root.GetProperty("ledger_usd").GetString());
        Assert.Equal("2026-11-02", root.GetProperty("from").GetString());
        Assert.Equal("2026-11-04", root.GetProperty("to").GetString());
        Assert.Contains("No differences in 5 day × model cells", human.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconcile_PlantedDifferences_FoundAndClassifiedInTheJson()
    {
        var records = AnthropicLedger();
        await ImportAsync(records);
        var cells = Cells(records);
        var costs = Costs(records);

        // Untracked calls: day 1 haiku, a third of it never went through Tollgate.
        var haiku = cells.Single(c => c.Day == D1 && c.Model.StartsWith("claude-haiku", StringComparison.Ordinal));
        cells[cells.IndexOf(haiku)] = haiku with { Input = haiku.Input * 3 / 2, Output = haiku.Output * 3 / 2 };
        var haikuCost = costs.Single(c => c.Day == D1 && c.Model!.StartsWith("claude-haiku", StringComparison.Ordinal));
        costs[costs.IndexOf(haikuCost)] = haikuCost with { Amount = ProviderExports.Cents(records.Single(r => r.RequestId == "h1").TotalCostNanos * 3 / 2) };

        // Priority Tier: day 2 sonnet ran on Priority Tier — in the usage report, absent from the cost report.
        var sonnet = cells.Single(c => c.Day == D1.AddDays(1) && c.Model.StartsWith("claude-sonnet", StringComparison.Ordinal));
        cells[cells.IndexOf(sonnet)] = sonnet with { Tier = "priority" };
        costs.RemoveAll(c => c.Day == D1.AddDays(1) && c.Model!.StartsWith("claude-sonnet", StringComparison.Ordinal));

        // Time-zone shift: 1 M of day 2's haiku input counted on day 3 by the provider.
        var h2 = cells.Single(c => c.Day == D1.AddDays(1) && c.Model.StartsWith("claude-haiku", StringComparison.Ordinal));
        var h3 = cells.Single(c => c.Day == D1.AddDays(2));
        cells[cells.IndexOf(h2)] = h2 with { Input = h2.Input - 1_000_000 };
        cells[cells.IndexOf(h3)] = h3 with { Input = h3.Input + 1_000_000 };

        var usage = await FileAsync("usage.csv", ProviderExports.AnthropicUsageCsv(cells));
        var cost = await FileAsync("cost.json", ProviderExports.AsArray(ProviderExports.AnthropicCostPages(costs)));

        var run = await CliRun.RunAsync("reconcile", "--provider", "anthropic", "--usage", usage, "--costs", cost, "--json", "--store", Store());

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        var differences = doc.RootElement.GetProperty("differences").EnumerateArray()
            .Select(d => (Day: d.GetProperty("day").GetString(), Model: d.GetProperty("model").GetString(), Kind: d.GetProperty("kind").GetString(), Delta: d.GetProperty("delta").GetString(), Cause: d.GetProperty("cause").GetString()))
            .ToList();
        Assert.Equal(
        [
            ("2026-11-02", "claude-haiku-4-5", "input", "4000000", "untracked_calls"),
            ("2026-11-02", "claude-haiku-4-5", "output", "450000", "untracked_calls"),
            ("2026-11-02", "claude-haiku-4-5", "cost", Money.Format(Money.FromNanos(records.Single(r => r.RequestId == "h1").TotalCostNanos / 2)), "untracked_calls"),
            ("2026-11-03", "claude-haiku-4-5", "input", "-1000000", "timezone_shift"),
            ("2026-11-03", "claude-sonnet-4-5", "cost", Money.Format(-records.Single(r => r.RequestId == "s3").TotalCost), "priority_tier"),
            ("2026-11-04", "claude-haiku-4-5", "input", "1000000", "timezone_shift"),
        ], differences.Select(d => (d.Day, d.Model, d.Kind, d.Delta, d.Cause)));
        var capture = doc.RootElement.GetProperty("capture_rate").GetDecimal();
        Assert.InRange(capture, 0.80m, 0.99m);
        Assert.Equal(3, doc.RootElement.GetProperty("causes").GetProperty("untracked_calls").GetInt32());
    }

    [Fact]
    public async Task Reconcile_BadInput_ExitsOneNamingTheFileWithoutAStackTrace()
    {
        await ImportAsync(AnthropicLedger());
        var page = ProviderExports.AnthropicUsagePages(Cells(AnthropicLedger()), 10).Single();
        var truncated = await FileAsync("truncated.json", page[..(page.Length * 2 / 3)]);
        var unknown = await FileAsync("unknown.json", page.Replace("claude-haiku-4-5-20251001", "claude-mystery-9", StringComparison.Ordinal));
        var openAi = await FileAsync("openai.json", ProviderExports.OpenAiUsagePages([new ExportCell(D1, "gpt-4o", 10)]).Single());
        var good = await FileAsync("good.json", page);

        var runs = new[]
        {
            (await CliRun.RunAsync("reconcile", "--provider", "anthropic", "--usage", good, truncated, "--store", Store()), "truncated.json: not valid JSON"),
            (await CliRun.RunAsync("reconcile", "--provider", "anthropic", "--usage", unknown, "--store", Store()), "unknown.json bucket 1 result"),
            (await CliRun.RunAsync("reconcile", "--provider", "anthropic", "--usage", openAi, "--store", Store()), "openai.json: this is the OpenAI usage export"),
            (await CliRun.RunAsync("reconcile", "--provider", "anthropic", "--usage", good, good, "--store", Store()), "(overlapping pages)"),
            (await CliRun.RunAsync("reconcile", "--provider", "anthropic", "--usage", Path.Combine(_dir, "nope.json"), "--store", Store()), "nope.json' does not exist"),
            (await CliRun.RunAsync("reconcile", "--provider", "gemini", "--usage", good, "--store", Store()), "use openai or anthropic"),
        };

        foreach (var (run, expected) in runs)
        {
            Assert.Equal(1, run.ExitCode);
            Assert.Contains(expected, run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
            Assert.Equal("", run.Out);
        }

        Assert.Contains("claude-mystery-9", runs[1].Item1.Error, StringComparison.Ordinal);
    }
}
