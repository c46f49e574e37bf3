using System.Globalization;
using System.Text.Json;

namespace Tollgate.Cli.Tests.Ledger;

/// <summary><c>tollgate ledger purge</c>: raw records go, totals stay, late records for the purged period are refused.</summary>
public sealed class LedgerPurgeCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-purge-").FullName;

    private string Store() => "sqlite:" + Path.Combine(_dir, "ledger.db");

    private static string Line(string id, string timestamp, string cost) =>
        $$"""{"request_id":"{{id}}","attempt":1,"timestamp":"{{timestamp}}","provider":"openai","model":"gpt-4o","tenant":"acme","input_tokens":10,"output_tokens":5,"cost_usd":"{{cost}}","latency_ms":5,"success":true}""";

    private async Task<string> WriteAsync(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        await File.WriteAllLinesAsync(path, lines, TestContext.Current.CancellationToken);
        return path;
    }

    private async Task<decimal> TotalAsync(params string[] extra)
    {
        var run = await CliRun.RunAsync(["cost", "--json", "--store", Store(), .. extra]);
        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        return decimal.Parse(doc.RootElement.GetProperty("total").GetString()!, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Purge_BeforeADate_RemovesRawRecordsKeepsTotalsAndRefusesLateOnes()
    {
        var records = await WriteAsync("records.jsonl",
            Line("a", "2026-11-01T10:00:00Z", "1.00"),
            Line("b", "2026-11-02T23:59:59Z", "2.00"),
            Line("c", "2026-11-03T00:00:00Z", "4.00"),
            Line("d", "2026-11-04T10:00:00Z", "8.00"));
        Assert.Equal(0, (await CliRun.RunAsync("import", records, "--store", Store())).ExitCode);
        var totalBefore = await TotalAsync();
        var daysBefore = await CliRun.RunAsync("cost", "--by", "day", "--json", "--store", Store());

        var dryRun = await CliRun.RunAsync("ledger", "purge", "--before", "2026-11-03", "--dry-run", "--store", Store());
        var afterDryRun = await CliRun.RunAsync("export", "--store", Store());
        var purge = await CliRun.RunAsync("ledger", "purge", "--before", "2026-11-03", "--store", Store());
        var export = await CliRun.RunAsync("export", "--store", Store());
        var late = await WriteAsync("late.jsonl", Line("e", "2026-11-02T12:00:00Z", "16.00"), Line("f", "2026-11-05T12:00:00Z", "32.00"));
        var reimport = await CliRun.RunAsync("import", late, "--store", Store());

        Assert.True(dryRun.ExitCode == 0, dryRun.Error);
        Assert.Contains("would remove 2 raw records before 2026-11-03T00:00:00Z (3 USD of spend", dryRun.Out, StringComparison.Ordinal);
        Assert.Equal(4, afterDryRun.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(purge.ExitCode == 0, purge.Error);
        Assert.Contains("removed 2 raw records before 2026-11-03T00:00:00Z", purge.Out, StringComparison.Ordinal);
        Assert.Equal(["c", "d"], export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("request_id").GetString()));
        Assert.Equal(15.00m, totalBefore);
        Assert.Contains("older than the retention horizon", reimport.Out + reimport.Error, StringComparison.Ordinal);
        // Only the record after the cutoff was added: the purged days keep exactly what they had.
        Assert.Equal(15.00m + 32.00m, await TotalAsync());
        Assert.Equal(3.00m, await TotalAsync("--from", "2026-11-01", "--to", "2026-11-02"));
        var daysAfter = await CliRun.RunAsync("cost", "--by", "day", "--to", "2026-11-04", "--json", "--store", Store());
        Assert.Equal(daysBefore.Out, daysAfter.Out);
    }

    [Fact]
    public async Task RawRecordViews_RangeBeforeTheRetentionCutoff_RefusedSayingWhere()
    {
        var records = await WriteAsync("records.jsonl",
            Line("a", "2026-11-01T10:00:00Z", "1.00"),
            Line("b", "2026-11-04T10:00:00Z", "8.00"));
        Assert.Equal(0, (await CliRun.RunAsync("import", records, "--store", Store())).ExitCode);
        Assert.Equal(0, (await CliRun.RunAsync("ledger", "purge", "--before", "2026-11-03", "--store", Store())).ExitCode);

        var compare = await CliRun.RunAsync("compare", "--from", "2026-11-01", "--to", "2026-11-05", "--store", Store());
        var tagged = await CliRun.RunAsync("cost", "--by", "tag:feature", "--store", Store());
        var trend = await CliRun.RunAsync("trend", "--from", "2026-11-02", "--to", "2026-11-05", "--tag", "feature=x", "--store", Store());
        var after = await CliRun.RunAsync("compare", "--from", "2026-11-03", "--to", "2026-11-05", "--json", "--store", Store());
        var rollups = await CliRun.RunAsync("trend", "--from", "2026-11-01", "--to", "2026-11-05", "--json", "--store", Store());

        Assert.Equal(1, compare.ExitCode);
        Assert.Contains("the range starts at 2026-11-01T00:00:00Z, before the retention cutoff 2026-11-03T00:00:00Z", compare.Error, StringComparison.Ordinal);
        Assert.Equal(1, tagged.ExitCode);
        Assert.Contains("the range starts with the ledger's first record, before the retention cutoff", tagged.Error, StringComparison.Ordinal);
        Assert.Equal(1, trend.ExitCode);
        Assert.Contains("before the retention cutoff", trend.Error, StringComparison.Ordinal);
        Assert.True(after.ExitCode == 0, after.Error);
        Assert.True(rollups.ExitCode == 0, rollups.Error); // the rollups keep the purged days' totals
        using var doc = JsonDocument.Parse(rollups.Out);
        Assert.Equal("9", doc.RootElement.GetProperty("total").GetString());
    }

    [Theory]
    [InlineData("2999-01-01", "is in the future")]
    [InlineData("yesterday", "--before 'yesterday' is not a date")]
    public async Task Purge_BadDate_SaysWhatToFixAndRemovesNothing(string before, string message)
    {
        var records = await WriteAsync("records.jsonl", Line("a", "2026-11-01T10:00:00Z", "1.00"));
        Assert.Equal(0, (await CliRun.RunAsync("import", records, "--store", Store())).ExitCode);

        var run = await CliRun.RunAsync("ledger", "purge", "--before", before, "--store", Store());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Equal(1.00m, await TotalAsync());
        Assert.Single((await CliRun.RunAsync("export", "--store", Store())).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Purge_MissingStore_IsAnErrorAndCreatesNothing()
    {
        var run = await CliRun.RunAsync("ledger", "purge", "--before", "2026-11-01", "--store", Store());

        Assert.Equal(1, run.ExitCode);
        Assert.False(File.Exists(Path.Combine(_dir, "ledger.db")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
