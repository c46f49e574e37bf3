using Tollgate.Ledger;
using Tollgate.Pricing;
using Tollgate.Reconciliation;
using Tollgate.Reconciliation.Reading;
using Xunit;

namespace Tollgate.Tests.Reconciliation;

/// <summary>Reading the providers' exports in every supported form, and refusing bad ones whole, naming the file and the problem.</summary>
public sealed class ProviderExportReaderTests
{
    private static readonly DateOnly D1 = new(2026, 11, 2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly List<ExportCell> OpenAiCells =
    [
        new(D1, "gpt-4o-2024-08-06", Input: 1000, Cached: 500, Output: 300, Requests: 3),
        new(D1, "gpt-4o-mini", Input: 9000, Output: 100, Requests: 2, Batch: true),
        new(D1.AddDays(1), "gpt-4o", Input: 700, Output: 70, Requests: 1),
        new(D1.AddDays(2), "gpt-4o-mini-2024-07-18", Input: 10, Output: 1, Requests: 1),
    ];

    private static readonly List<ExportCell> AnthropicCells =
    [
        new(D1, "claude-sonnet-4-5-20250929", Input: 100, Cached: 2000, Write5m: 300, Write1h: 400, Output: 50),
        new(D1.AddDays(1), "claude-haiku-4-5", Input: 10, Output: 5, Tier: "priority"),
    ];

    public static TheoryData<string> OpenAiForms => ["page", "array", "lines", "files", "csv"];

    private static List<ProviderFile> Form(string form, List<string> pages, string csv) => form switch
    {
        "page" => [new("all.json", ProviderExports.OpenAiUsagePages(OpenAiCells, bucketsPerPage: 10).Single())],
        "array" => [new("pages.json", ProviderExports.AsArray(pages))],
        "lines" => [new("pages.jsonl", ProviderExports.AsLines(pages))],
        "files" => [.. pages.Select((p, i) => new ProviderFile($"page{i}.json", p))],
        _ => [new("usage.csv", csv)],
    };

    [Theory]
    [MemberData(nameof(OpenAiForms))]
    public void Read_OpenAiUsageInEachForm_SameRows(string form)
    {
        var outcome = ProviderExportReader.Read("openai", Form(form, ProviderExports.OpenAiUsagePages(OpenAiCells, bucketsPerPage: 1), ProviderExports.OpenAiUsageCsv(OpenAiCells)), []);

        Assert.True(outcome.Value is not null, outcome.Error);
        var rows = outcome.Value.Usage;
        Assert.Equal(4, rows.Count);
        Assert.Equal((1000L, 500L, 300L, 3L), (rows[0].Input, rows[0].CachedInput, rows[0].Output, rows[0].Requests!.Value));
        Assert.True(rows[1].Batch);
        Assert.Equal([D1, D1.AddDays(1), D1.AddDays(2)], outcome.Value.UsageDays.Order());
    }

    [Fact]
    public void Read_AnthropicUsageJsonAndCsv_SameRowsWithCacheWritesByTtl()
    {
        var json = ProviderExportReader.Read("anthropic", [new("u.json", ProviderExports.AsArray(ProviderExports.AnthropicUsagePages(AnthropicCells, 1)))], []);
        var csv = ProviderExportReader.Read("anthropic", [new("u.csv", ProviderExports.AnthropicUsageCsv(AnthropicCells))], []);

        foreach (var outcome in new[] { json, csv })
        {
            Assert.True(outcome.Value is not null, outcome.Error);
            var sonnet = outcome.Value.Usage[0];
            Assert.Equal((100L, 2000L, 300L, 400L, 50L), (sonnet.Input, sonnet.CachedInput, sonnet.CacheWrite5m, sonnet.CacheWrite1h, sonnet.Output));
            Assert.Null(sonnet.Requests);
            Assert.True(outcome.Value.Usage[1].IsPriority);
        }
    }

    [Fact]
    public void Read_OpenAiCostAmount_ExactDecimalOfTheJsonText()
    {
        // 123456789.123456789 has no double: read through a double it would come out as 123456789.12345679.
        var costs = ProviderExports.OpenAiCostPages([new ExportCost(D1, "gpt-4o", "123456789.123456789"), new ExportCost(D1, "gpt-4o", "1e-9", "output"), new ExportCost(D1, null, "0.30000000000000004")]);
        var outcome = ProviderExportReader.Read("openai", [new("u.json", ProviderExports.OpenAiUsagePages(OpenAiCells, 10).Single())], [new("c.json", costs.Single())]);

        Assert.True(outcome.Value is not null, outcome.Error);
        Assert.Equal([123_456_789_123_456_789L, 1L, 300_000_000L], outcome.Value.Costs.Select(c => c.Nanos));
        Assert.Equal(["gpt-4o", "gpt-4o", null], outcome.Value.Costs.Select(c => c.Model));
    }

    [Fact]
    public void Read_AnthropicCostAmountInCents_ReadAsDollars()
    {
        var outcome = ProviderExportReader.Read("anthropic", [new("u.json", ProviderExports.AnthropicUsagePages(AnthropicCells, 10).Single())],
            [new("c.json", ProviderExports.AnthropicCostPages([new ExportCost(D1, "claude-sonnet-4-5-20250929", "123.45"), new ExportCost(D1, null, "1000", Batch: true)]).Single())]);

        Assert.True(outcome.Value is not null, outcome.Error);
        Assert.Equal([1_234_500_000L, 10_000_000_000L], outcome.Value.Costs.Select(c => c.Nanos));
    }

    public static TheoryData<string, string, string> BadInputs()
    {
        var openAiPage = ProviderExports.OpenAiUsagePages(OpenAiCells, 10).Single();
        var pages = ProviderExports.OpenAiUsagePages(OpenAiCells, 2);
        var anthropicPage = ProviderExports.AnthropicUsagePages(AnthropicCells, 10).Single();
        var costPage = ProviderExports.OpenAiCostPages([new ExportCost(D1, "gpt-4o", "1.5")]).Single();
        return new()
        {
            { "wrong provider", anthropicPage, "this is the Anthropic usage export (usage_report/messages), but usage expects the OpenAI usage export" },
            { "costs given as usage", costPage, "this is the OpenAI costs export (/v1/organization/costs), but usage expects the OpenAI usage export" },
            { "truncated page", openAiPage[..(openAiPage.Length / 2)], "not valid JSON" },
            { "truncated line", ProviderExports.AsLines(pages)[..^40], "line 2: not valid JSON" },
            { "unknown model", openAiPage.Replace("gpt-4o-mini\"", "gpt-9-turbo\"", StringComparison.Ordinal), "unknown model — model 'gpt-9-turbo' is not in the price catalog for provider 'openai'" },
            { "overlapping pages", ProviderExports.AsArray([pages[0], pages[1], pages[0]]), "(overlapping pages)" },
            { "not grouped by model", openAiPage.Replace("\"model\":\"gpt-4o\"", "\"model\":null", StringComparison.Ordinal), "export with group_by=model" },
            { "not an export", "{\"hello\": 1}", "not a usage or cost API page" },
            { "embeddings usage", openAiPage.Replace("organization.usage.completions.result", "organization.usage.embeddings.result", StringComparison.Ordinal), "are not reconciled" },
            { "negative count", openAiPage.Replace("\"output_tokens\":70", "\"output_tokens\":-70", StringComparison.Ordinal), "\"output_tokens\" must be a non-negative integer" },
            { "csv of another kind", "date,amount\n2026-11-02,3\n", "is not a usage or cost export" },
            { "csv cut short", ProviderExports.OpenAiUsageCsv(OpenAiCells)[..^20], "fields where the header has" },
        };
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task RunAsync_BadUsageFile_ErrorNamesTheFileAndNothingIsComputed(string problem, string text, string expected)
    {
        var ledger = new InMemoryLedgerStore();
        await ledger.AppendAsync([ProviderExports.Record("r", "openai", "gpt-4o", D1, input: 10, output: 1)], Ct);

        var outcome = await new Reconciler(PriceCatalog.BuiltIn).RunAsync(ledger, new ReconciliationRequest
        {
            Provider = "openai",
            Usage = [new("good.json", ProviderExports.OpenAiUsagePages([new ExportCell(D1.AddDays(-5), "gpt-4o", 1)]).Single()), new("bad-export.json", text)],
        }, Ct);

        Assert.Null(outcome.Value);
        Assert.Contains("bad-export.json", outcome.Error, StringComparison.Ordinal);
        Assert.Contains(expected, outcome.Error, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }

    [Fact]
    public void Read_SameFileTwice_Overlapping()
    {
        var page = ProviderExports.OpenAiUsagePages(OpenAiCells, 10).Single();

        var outcome = ProviderExportReader.Read("openai", [new("a.json", page), new("b.json", page)], []);

        Assert.Null(outcome.Value);
        Assert.Contains("b.json bucket 1 result 1: the same result of the bucket starting 2026-11-02T00:00:00Z is also in a.json bucket 1 result 1 (overlapping pages)", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SameBucketsOnePerProject_NotAnOverlap()
    {
        var page = ProviderExports.OpenAiUsagePages(OpenAiCells, 10).Single();

        var outcome = ProviderExportReader.Read("openai",
            [new("proj-a.json", page.Replace("\"project_id\":null", "\"project_id\":\"proj_a\"", StringComparison.Ordinal)),
             new("proj-b.json", page.Replace("\"project_id\":null", "\"project_id\":\"proj_b\"", StringComparison.Ordinal))], []);

        Assert.True(outcome.Value is not null, outcome.Error);
        Assert.Equal(8, outcome.Value.Usage.Count);
    }

    [Fact]
    public void Read_CostFileOfTheOtherProvider_Refused()
    {
        var outcome = ProviderExportReader.Read("anthropic", [new("u.json", ProviderExports.AnthropicUsagePages(AnthropicCells, 10).Single())],
            [new("openai-costs.csv", ProviderExports.OpenAiCostCsv([new ExportCost(D1, "gpt-4o", "1")]))]);

        Assert.Null(outcome.Value);
        Assert.Contains("openai-costs.csv: this is the OpenAI costs export", outcome.Error, StringComparison.Ordinal);
    }
}
