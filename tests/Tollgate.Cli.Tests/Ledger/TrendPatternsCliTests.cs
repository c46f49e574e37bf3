using System.Globalization;
using System.Text.Json;

namespace Tollgate.Cli.Tests.Ledger;

/// <summary><c>tollgate trend</c> and <c>tollgate patterns</c> in zones whose offset is not a whole hour; figures computed by hand.</summary>
public sealed class TrendPatternsCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-trend-").FullName;

    private string Store() => "sqlite:" + Path.Combine(_dir, "ledger.db");

    private static string Line(string id, string timestamp, string cost) =>
        $$"""{"request_id":"{{id}}","attempt":1,"timestamp":"{{timestamp}}","provider":"openai","model":"gpt-4o","tenant":"acme","user":"u","input_tokens":10,"cache_read_tokens":0,"cache_write_tokens":0,"output_tokens":5,"reasoning_tokens":0,"cost_usd":"{{cost}}","latency_ms":5,"success":true}""";

    private async Task ImportAsync(params string[] lines)
    {
        var path = Path.Combine(_dir, "records.jsonl");
        await File.WriteAllLinesAsync(path, lines, TestContext.Current.CancellationToken);
        Assert.Equal(0, (await CliRun.RunAsync("import", path, "--store", Store())).ExitCode);
    }

    private static decimal Money(JsonElement e) => decimal.Parse(e.GetString()!, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Trend_DaysInKolkata_ValuesChangesMovingAverageAndSlope()
    {
        await ImportAsync(
            Line("a", "2026-11-01T18:29:00Z", "1.00"),  // 23:59 on 1 Nov in Kolkata (+05:30)
            Line("b", "2026-11-01T18:30:00Z", "2.00"),  // 00:00 on 2 Nov
            Line("c", "2026-11-02T10:00:00Z", "0.50"),  // 15:30 on 2 Nov
            Line("d", "2026-11-03T19:00:00Z", "4.00")); // 00:30 on 4 Nov

        var run = await CliRun.RunAsync("trend", "--by", "day", "--tz", "Asia/Kolkata", "--from", "2026-11-01", "--to", "2026-11-04", "--window", "2", "--json", "--store", Store());
        var utc = await CliRun.RunAsync("trend", "--by", "day", "--from", "2026-11-01", "--to", "2026-11-03", "--json", "--store", Store());

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var points = doc.RootElement.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"], points.Select(p => p.GetProperty("label").GetString()));
        Assert.Equal([1.00m, 2.50m, 0m, 4.00m], points.Select(p => Money(p.GetProperty("value"))));
        Assert.Equal([null, 1.5m, -2.5m, 4m], points.Select(p => p.GetProperty("change").ValueKind == JsonValueKind.Null ? (decimal?)null : Money(p.GetProperty("change"))));
        Assert.Equal([null, 150m, -100m, null], points.Select(p => p.GetProperty("change_percent").ValueKind == JsonValueKind.Null ? (decimal?)null : p.GetProperty("change_percent").GetDecimal()));
        Assert.Equal([null, 1.75m, 1.25m, 2m], points.Select(p => p.GetProperty("moving_average").ValueKind == JsonValueKind.Null ? (decimal?)null : Money(p.GetProperty("moving_average"))));
        Assert.Equal(7.5m, Money(doc.RootElement.GetProperty("total")));
        Assert.Equal(points.Sum(p => Money(p.GetProperty("cost"))), Money(doc.RootElement.GetProperty("total")));
        // Sen's slope: median of the six pairwise slopes (-2.5, -0.5, 0.75, 1, 1.5, 4) = 0.875; 4 points are too few to be significant.
        Assert.Equal(0.875m, Money(doc.RootElement.GetProperty("slope_per_bucket")));
        Assert.False(doc.RootElement.GetProperty("significant").GetBoolean());
        Assert.Equal("flat", doc.RootElement.GetProperty("direction").GetString());
        using var utcDoc = JsonDocument.Parse(utc.Out);
        Assert.Equal([3.00m, 0.50m, 4.00m], utcDoc.RootElement.GetProperty("points").EnumerateArray().Select(p => Money(p.GetProperty("value"))));
    }

    [Fact]
    public async Task TrendAndPatterns_TagFilterInKolkata_OnlyTaggedRecordsInTheirLocalBuckets()
    {
        static string Tagged(string id, string timestamp, string cost) => Line(id, timestamp, cost).Replace("\"success\":true", "\"success\":true,\"tags\":{\"feature\":\"search\"}", StringComparison.Ordinal);
        await ImportAsync(
            Tagged("a", "2026-11-01T18:29:00Z", "1.00"),  // 23:59 on Sunday 1 Nov in Kolkata
            Tagged("b", "2026-11-01T18:30:00Z", "2.00"),  // 00:00 on Monday 2 Nov
            Line("c", "2026-11-02T10:00:00Z", "0.50"),    // untagged
            Tagged("d", "2026-11-03T19:00:00Z", "4.00")); // 00:30 on Wednesday 4 Nov

        var trend = await CliRun.RunAsync("trend", "--by", "day", "--tz", "Asia/Kolkata", "--from", "2026-11-01", "--to", "2026-11-04", "--tag", "feature=search", "--json", "--store", Store());
        var patterns = await CliRun.RunAsync("patterns", "--tz", "Asia/Kolkata", "--from", "2026-11-01", "--to", "2026-11-04", "--tag", "feature=search", "--json", "--store", Store());
        var bad = await CliRun.RunAsync("trend", "--tag", "feature", "--store", Store());

        Assert.Equal(0, trend.ExitCode);
        using var doc = JsonDocument.Parse(trend.Out);
        Assert.Equal([1.00m, 2.00m, 0m, 4.00m], doc.RootElement.GetProperty("points").EnumerateArray().Select(p => Money(p.GetProperty("value"))));
        Assert.Equal(7.00m, Money(doc.RootElement.GetProperty("total")));
        Assert.Equal(0, patterns.ExitCode);
        using var profile = JsonDocument.Parse(patterns.Out);
        Assert.Equal(7.00m, Money(profile.RootElement.GetProperty("total")));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--tag: tag filter 'feature' is not KEY=VALUE", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trend_SteadilyRisingDays_IsSignificantlyUp()
    {
        await ImportAsync(Enumerable.Range(1, 10).Select(d => Line($"r{d}", $"2026-11-{d:D2}T12:00:00Z", (d * 0.1m).ToString(CultureInfo.InvariantCulture))).ToArray());

        var run = await CliRun.RunAsync("trend", "--by", "day", "--from", "2026-11-01", "--to", "2026-11-10", "--json", "--store", Store());
        var human = await CliRun.RunAsync("trend", "--by", "day", "--from", "2026-11-01", "--to", "2026-11-10", "--store", Store());

        using var doc = JsonDocument.Parse(run.Out);
        // S = 45 pairs all rising; Var(S) = 10·9·25/18 = 125; Z = 44/√125 = 3.9355; p ≈ 0.0001.
        Assert.Equal(3.9355, doc.RootElement.GetProperty("mann_kendall_z").GetDouble());
        Assert.True(doc.RootElement.GetProperty("p_value").GetDouble() < 0.001);
        Assert.True(doc.RootElement.GetProperty("significant").GetBoolean());
        Assert.Equal("up", doc.RootElement.GetProperty("direction").GetString());
        Assert.Equal(0.1m, Money(doc.RootElement.GetProperty("slope_per_bucket")));
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("Trend: up (0.1 per day", human.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patterns_StJohns_WeekdayHourProfilePeaksAndWeekendSplit()
    {
        await ImportAsync(
            Line("a", "2026-11-02T12:00:00Z", "1.00"),  // Monday 08:30 in St. John's (-03:30)
            Line("b", "2026-11-02T12:20:00Z", "2.00"),  // Monday 08:50
            Line("c", "2026-11-07T15:00:00Z", "0.25"),  // Saturday 11:30
            Line("d", "2026-11-08T03:00:00Z", "0.75")); // Saturday 23:30 (Sunday in UTC)

        var run = await CliRun.RunAsync("patterns", "--tz", "America/St_Johns", "--json", "--store", Store());

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var root = doc.RootElement;
        Assert.Equal((3.00m, 2L), (Money(root.GetProperty("weekdays").GetProperty("cost")), root.GetProperty("weekdays").GetProperty("requests").GetInt64()));
        Assert.Equal((1.00m, 2L), (Money(root.GetProperty("weekend").GetProperty("cost")), root.GetProperty("weekend").GetProperty("requests").GetInt64()));
        Assert.Equal([8, 23, 11], root.GetProperty("peak_hours").EnumerateArray().Select(h => h.GetInt32()));
        Assert.Equal(
            [("monday", 8, 3.00m), ("saturday", 11, 0.25m), ("saturday", 23, 0.75m)],
            root.GetProperty("cells").EnumerateArray().Select(c => (c.GetProperty("day").GetString()!, c.GetProperty("hour").GetInt32(), Money(c.GetProperty("cost")))));
        Assert.Equal(4.00m, Money(root.GetProperty("total")));
    }

    [Fact]
    public async Task TrendAndPatterns_BadInput_SayWhatToFix()
    {
        await ImportAsync(Line("a", "2026-11-02T12:00:00Z", "1.00"));

        var zone = await CliRun.RunAsync("trend", "--tz", "Mars/Olympus", "--store", Store());
        var range = await CliRun.RunAsync("patterns", "--from", "2026-11-05", "--to", "2026-11-01", "--store", Store());
        var window = await CliRun.RunAsync("trend", "--window", "0", "--store", Store());

        Assert.Equal(1, zone.ExitCode);
        Assert.Contains("--tz 'Mars/Olympus' is not a known time zone", zone.Error, StringComparison.Ordinal);
        Assert.Equal(1, range.ExitCode);
        Assert.Contains("--to must be after --from", range.Error, StringComparison.Ordinal);
        Assert.Equal(1, window.ExitCode);
        Assert.Contains("--window must be a positive number", window.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
