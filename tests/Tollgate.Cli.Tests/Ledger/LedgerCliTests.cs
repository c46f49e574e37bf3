using System.Text.Json;
using Tollgate.Ledger;
using Tollgate.Sqlite.Ledger;

namespace Tollgate.Cli.Tests.Ledger;

public sealed class LedgerCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tollgate-cli-ledger-" + Guid.NewGuid().ToString("N"));

    public LedgerCliTests() => Directory.CreateDirectory(_dir);

    private string Store(string name = "ledger") => $"sqlite:{Path.Combine(_dir, name, "tollgate.db")}";

    private static string Line(string id, string timestamp, string provider, string cost, int input = 100, int output = 10, string user = "alice") =>
        $$"""{"request_id":"{{id}}","attempt":1,"timestamp":"{{timestamp}}","provider":"{{provider}}","model":"m-{{provider}}","tenant":"acme","project":"p1","user":"{{user}}","key_id":"k1","input_tokens":{{input}},"cache_read_tokens":0,"cache_write_tokens":0,"output_tokens":{{output}},"reasoning_tokens":0,"cost_usd":"{{cost}}","latency_ms":5,"success":true}""";

    private string WriteFile(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private string SampleFile() => WriteFile("sample.jsonl",
        Line("a", "2026-11-21T22:30:00Z", "openai", "0.10"),
        Line("b", "2026-11-21T23:30:00Z", "openai", "0.000000001", input: 5, output: 1, user: "bob"),
        Line("c", "2026-11-22T10:00:00+02:00", "anthropic", "1.25", input: 1000, output: 200));

    [Fact]
    public async Task Import_SameFileTwice_SecondImportChangesNothing()
    {
        var file = SampleFile();

        var first = await CliRun.RunAsync("import", file, "--store", Store());
        var before = await CliRun.RunAsync("cost", "--by", "provider", "--json", "--store", Store());
        var second = await CliRun.RunAsync("import", file, "--store", Store());
        var after = await CliRun.RunAsync("cost", "--by", "provider", "--json", "--store", Store());

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("imported 3 new records, 0 already present", first.Out, StringComparison.Ordinal);
        Assert.Contains("imported 0 new records, 3 already present", second.Out, StringComparison.Ordinal);
        Assert.Equal(before.Out, after.Out);
    }

    [Fact]
    public async Task CostJson_ByProvider_PrintsTheReportShapeWithDecimalStrings()
    {
        await CliRun.RunAsync("import", SampleFile(), "--store", Store());

        var run = await CliRun.RunAsync("cost", "--by", "provider", "--json", "--store", Store());

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            """{"total":"1.350000001","currency":"USD","groups":[{"key":"anthropic","cost":"1.25","requests":1,"input_tokens":1000,"output_tokens":200,"cached_tokens":0,"reasoning_tokens":0,"share_percent":92.59,"success_rate":1,"avg_cost_per_request":"1.25","cost_per_1k_tokens":"1.041666667","output_input_ratio":0.2,"cache_read_share":0,"reasoning_share":0},{"key":"openai","cost":"0.100000001","requests":2,"input_tokens":105,"output_tokens":11,"cached_tokens":0,"reasoning_tokens":0,"share_percent":7.41,"success_rate":1,"avg_cost_per_request":"0.05","cost_per_1k_tokens":"0.862068974","output_input_ratio":0.1048,"cache_read_share":0,"reasoning_share":0}]}""",
            run.Out.Trim());
    }

    [Fact]
    public async Task CostJson_ByDayInBerlin_SplitsAtLocalMidnight()
    {
        await CliRun.RunAsync("import", SampleFile(), "--store", Store());

        var utc = CostReportJson.Parse((await CliRun.RunAsync("cost", "--by", "day", "--json", "--store", Store())).Out);
        var berlin = CostReportJson.Parse((await CliRun.RunAsync("cost", "--by", "day", "--tz", "Europe/Berlin", "--json", "--store", Store())).Out);

        Assert.Equal([("2026-11-21", 0.100000001m), ("2026-11-22", 1.25m)], utc.Groups.Select(g => (g.Key, g.Cost)));
        Assert.Equal([("2026-11-21", 0.1m), ("2026-11-22", 1.250000001m)], berlin.Groups.Select(g => (g.Key, g.Cost)));
    }

    [Fact]
    public async Task Cost_Filters_RestrictTotal()
    {
        await CliRun.RunAsync("import", SampleFile(), "--store", Store());

        var byProvider = CostReportJson.Parse((await CliRun.RunAsync("cost", "--provider", "openai", "--by", "user", "--json", "--store", Store())).Out);
        var byDate = CostReportJson.Parse((await CliRun.RunAsync("cost", "--from", "2026-11-22", "--to", "2026-11-22", "--json", "--store", Store())).Out);
        var human = await CliRun.RunAsync("cost", "--store", Store());

        Assert.Equal(0.100000001m, byProvider.Total);
        Assert.Equal(["alice", "bob"], byProvider.Groups.Select(g => g.Key));
        Assert.Equal(1.25m, byDate.Total);
        Assert.Contains("Total: 1.350000001 USD", human.Out, StringComparison.Ordinal);
        Assert.Contains("Daily", human.Out, StringComparison.Ordinal);
        Assert.Contains("2026-11-21", human.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_MalformedLines_ReportsLineNumbersAndStoresNothingOfThem()
    {
        var file = WriteFile("bad.jsonl",
            Line("good-1", "2026-11-21T10:00:00Z", "openai", "0.5"),
            Line("bad-cost", "2026-11-21T10:00:00Z", "openai", "0.5").Replace("\"0.5\"", "\"half\"", StringComparison.Ordinal),
            "{not json",
            Line("bad-ts", "2026-11-21T10:00:00", "openai", "0.5"),
            Line("bad-precision", "2026-11-21T10:00:00Z", "openai", "0.0000000001"),
            Line("good-2", "2026-11-21T11:00:00Z", "openai", "0.25"));

        var run = await CliRun.RunAsync("import", file, "--store", Store());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("line 2: 'cost_usd'", run.Error, StringComparison.Ordinal);
        Assert.Contains("line 3: not valid JSON", run.Error, StringComparison.Ordinal);
        Assert.Contains("line 4: 'timestamp' must be ISO 8601 with an offset", run.Error, StringComparison.Ordinal);
        Assert.Contains("line 5: 'cost_usd' has more than 9 decimal places", run.Error, StringComparison.Ordinal);
        Assert.Contains("error: 4 malformed line(s) were not imported", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        await using var store = new SqliteLedgerStore(Tollgate.Hosting.TollgateStores.LedgerPathBeside(Store()["sqlite:".Length..]));
        var ct = TestContext.Current.CancellationToken;
        Assert.NotNull(await store.FindAsync(new LedgerKey("good-1", 1), ct));
        Assert.NotNull(await store.FindAsync(new LedgerKey("good-2", 1), ct));
        foreach (var id in new[] { "bad-cost", "bad-ts", "bad-precision" })
        {
            Assert.Null(await store.FindAsync(new LedgerKey(id, 1), ct));
        }

        Assert.Equal(0.75m, (await store.QueryAsync(new LedgerQuery(), ct)).Total.Cost);
    }

    [Fact]
    public async Task Import_FromStdin_ImportsRecords()
    {
        var stdin = string.Join('\n', Line("s1", "2026-11-21T10:00:00Z", "openai", "0.5"), Line("s2", "2026-11-21T10:00:00Z", "openai", "0.5"));

        var run = await CliRun.RunWithInputAsync(stdin, "import", "-", "--store", Store());

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("imported 2 new records", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_MissingFile_SaysWhatToFix()
    {
        var run = await CliRun.RunAsync("import", Path.Combine(_dir, "nope.jsonl"), "--store", Store());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error: file", run.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ThenImportIntoEmptyStore_ReproducesReportsAndRecords()
    {
        await CliRun.RunAsync("import", SampleFile(), "--store", Store("source"));
        var exported = Path.Combine(_dir, "export.jsonl");

        var export = await CliRun.RunAsync("export", "-o", exported, "--store", Store("source"));
        var import = await CliRun.RunAsync("import", exported, "--store", Store("copy"));

        Assert.Equal(0, export.ExitCode);
        Assert.Equal(0, import.ExitCode);
        Assert.False(File.Exists(exported + ".partial"));
        Assert.Equal(3, File.ReadAllLines(exported).Length);
        foreach (var by in new[] { "provider", "day", "user", "model" })
        {
            var source = await CliRun.RunAsync("cost", "--by", by, "--json", "--store", Store("source"));
            var copy = await CliRun.RunAsync("cost", "--by", by, "--json", "--store", Store("copy"));
            Assert.Equal(source.Out, copy.Out);
        }

        var again = await CliRun.RunAsync("export", "--store", Store("copy"));
        Assert.Equal(File.ReadAllText(exported), again.Out);
    }

    [Fact]
    public async Task Export_FiltersAndCsv_WritesMatchingRowsOnly()
    {
        await CliRun.RunAsync("import", SampleFile(), "--store", Store());

        var jsonl = await CliRun.RunAsync("export", "--user", "bob", "--store", Store());
        var csv = await CliRun.RunAsync("export", "--format", "csv", "--from", "2026-11-22", "--tenant", "acme", "--store", Store());

        var line = Assert.Single(jsonl.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("b", JsonDocument.Parse(line).RootElement.GetProperty("request_id").GetString());
        var rows = csv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(LedgerCsv.Header, rows[0]);
        Assert.Equal(2, rows.Length);
        Assert.StartsWith("c,1,2026-11-22T08:00:00Z,anthropic,", rows[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cost_UnknownStoreOrZone_SaysWhatToFix()
    {
        var store = await CliRun.RunAsync("cost", "--store", "mysql://x");
        var zone = await CliRun.RunAsync("cost", "--tz", "Mars/Olympus", "--store", Store());

        Assert.Equal(1, store.ExitCode);
        Assert.Contains("error: unknown --store", store.Error, StringComparison.Ordinal);
        Assert.Equal(1, zone.ExitCode);
        Assert.Contains("error: --tz 'Mars/Olympus' is not a known time zone", zone.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
