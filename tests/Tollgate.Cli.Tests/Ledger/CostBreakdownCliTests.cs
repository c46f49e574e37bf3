using Tollgate.Ledger;

namespace Tollgate.Cli.Tests.Ledger;

/// <summary><c>tollgate cost</c> breakdowns by tag, tag filters, top N with "(other)", and bad input — figures computed by hand.</summary>
public sealed class CostBreakdownCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-cost-tags-").FullName;

    private string Store() => "sqlite:" + Path.Combine(_dir, "ledger.db");

    private static string Line(string id, string timestamp, string provider, string cost, string tags, bool success = true, int input = 100, int output = 10) =>
        $$"""{"request_id":"{{id}}","attempt":1,"timestamp":"{{timestamp}}","provider":"{{provider}}","model":"m-{{provider}}","tenant":"acme","project":"p1","user":"u","key_id":"k1"{{tags}},"input_tokens":{{input}},"cache_read_tokens":0,"cache_write_tokens":0,"output_tokens":{{output}},"reasoning_tokens":0,"cost_usd":"{{cost}}","latency_ms":5,"success":{{(success ? "true" : "false")}}}""";

    private async Task ImportAsync()
    {
        var path = Path.Combine(_dir, "tags.jsonl");
        await File.WriteAllLinesAsync(path,
        [
            Line("a", "2026-11-21T10:00:00Z", "openai", "0.10", ""","tags":{"feature":"search","team":"ml"}"""),
            Line("b", "2026-11-21T11:00:00Z", "openai", "0.000000001", ""","tags":{"feature":"chat"}""", success: false),
            Line("c", "2026-11-22T09:00:00Z", "anthropic", "1.25", ""","tags":{"feature":"search"}""", input: 1000, output: 200),
            Line("d", "2026-11-22T12:00:00Z", "openai", "0.30", ""),
        ], TestContext.Current.CancellationToken);
        var run = await CliRun.RunAsync("import", path, "--store", Store());
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task Cost_ByTag_GroupsByTagValueWithNoneAndSumsToTotal()
    {
        await ImportAsync();

        var report = CostReportJson.Parse((await CliRun.RunAsync("cost", "--by", "tag:feature", "--json", "--store", Store())).Out);

        Assert.Equal(1.650000001m, report.Total);
        Assert.Equal(["search", "(none)", "chat"], report.Groups.Select(g => g.Key));
        Assert.Equal([1.35m, 0.30m, 0.000000001m], report.Groups.Select(g => g.Cost));
        Assert.Equal([2L, 1L, 1L], report.Groups.Select(g => g.Requests));
        // 1.35 / 1.650000001 = 81.818…%, 0.30 / 1.650000001 = 18.18…%; chat failed once in one request.
        Assert.Equal([81.82m, 18.18m, 0m], report.Groups.Select(g => g.SharePercent));
        Assert.Equal([1m, 1m, 0m], report.Groups.Select(g => g.SuccessRate));
        // search: 1.35 over 2 requests = 0.675; 1.35 × 1000 / (1100 + 210 tokens) = 1.030534351 (rounded to the nano).
        Assert.Equal(0.675m, report.Groups[0].AverageCostPerRequest);
        Assert.Equal(1.030534351m, report.Groups[0].CostPer1kTokens);
        Assert.Equal(report.Total, report.Groups.Sum(g => g.Cost));
    }

    [Fact]
    public async Task Cost_TopOneWithTagFilter_FoldsTheRestIntoOther()
    {
        await ImportAsync();

        var top = CostReportJson.Parse((await CliRun.RunAsync("cost", "--by", "tag:feature", "--top", "1", "--json", "--store", Store())).Out);
        var ml = CostReportJson.Parse((await CliRun.RunAsync("cost", "--by", "provider", "--tag", "team=ml", "--json", "--store", Store())).Out);
        var human = await CliRun.RunAsync("cost", "--by", "tag:feature", "--store", Store());

        Assert.Equal([("search", 1.35m, 2L), ("(other)", 0.300000001m, 2L)], top.Groups.Select(g => (g.Key, g.Cost, g.Requests)));
        Assert.Equal(1.650000001m, top.Total);
        Assert.Equal(0.10m, ml.Total);
        Assert.Equal([("openai", 0.10m)], ml.Groups.Select(g => (g.Key, g.Cost)));
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("By tag:feature", human.Out, StringComparison.Ordinal);
        Assert.Contains("81.82 %", human.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cost_OneTagFilterOrByTagWithDimensionFilterInKolkata_SumsTheTaggedRecordsWithDailyTable()
    {
        await ImportAsync();
        string[] range = ["--tz", "Asia/Kolkata", "--from", "2026-11-21", "--to", "2026-11-22", "--store", Store()];

        var search = CostReportJson.Parse((await CliRun.RunAsync(["cost", "--by", "provider", "--tag", "feature=search", "--json", .. range])).Out);
        var openai = CostReportJson.Parse((await CliRun.RunAsync(["cost", "--by", "tag:feature", "--provider", "openai", "--json", .. range])).Out);
        var human = await CliRun.RunAsync(["cost", "--by", "tenant", "--tag", "feature=search", .. range]);

        Assert.Equal(1.35m, search.Total);
        Assert.Equal([("anthropic", 1.25m, 1L), ("openai", 0.10m, 1L)], search.Groups.Select(g => (g.Key, g.Cost, g.Requests)));
        // openai: search 0.10, the untagged 0.30 as "(none)", chat 0.000000001.
        Assert.Equal([("(none)", 0.30m), ("search", 0.10m), ("chat", 0.000000001m)], openai.Groups.Select(g => (g.Key, g.Cost)));
        Assert.Equal(0.400000001m, openai.Total);
        Assert.Equal(0, human.ExitCode);
        // One tag filter: the daily table comes from the tag rollups, days local to Kolkata (15:30 on the 21st, 14:30 on the 22nd).
        Assert.Contains("Daily", human.Out, StringComparison.Ordinal);
        Assert.Contains("2026-11-21", human.Out, StringComparison.Ordinal);
        Assert.Contains("2026-11-22", human.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cost_BadInput_SaysWhatToFixWithNonZeroExit()
    {
        await ImportAsync();

        var unknownTag = await CliRun.RunAsync("cost", "--by", "tag:colour", "--store", Store());
        var unknownDimension = await CliRun.RunAsync("cost", "--by", "colour", "--store", Store());
        var badFilter = await CliRun.RunAsync("cost", "--tag", "team", "--store", Store());
        var reversed = await CliRun.RunAsync("cost", "--from", "2026-11-23", "--to", "2026-11-21", "--store", Store());

        Assert.Equal(1, unknownTag.ExitCode);
        Assert.Contains("no record in the range has the tag key 'colour'; tag keys present: feature, team", unknownTag.Error, StringComparison.Ordinal);
        Assert.Equal(1, unknownDimension.ExitCode);
        Assert.Contains("unknown dimension 'colour'", unknownDimension.Error, StringComparison.Ordinal);
        Assert.Equal(1, badFilter.ExitCode);
        Assert.Contains("--tag: tag filter 'team' is not KEY=VALUE", badFilter.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, reversed.ExitCode);
        Assert.DoesNotContain("   at ", unknownTag.Error + unknownDimension.Error + badFilter.Error + reversed.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
