using System.Globalization;
using System.Text.Json;

namespace Tollgate.Cli.Tests.Ledger;

/// <summary>
/// <c>tollgate compare</c> (latency percentiles, ratios, cache savings, the efficiency score) and <c>tollgate cost
/// --compare-previous</c>, computed by hand.
/// </summary>
public sealed class CompareCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-compare-").FullName;

    private string Store() => "sqlite:" + Path.Combine(_dir, "ledger.db");

    private static string Line(string id, string model, string cost, long latency, bool success = true, string provider = "openai",
        long input = 1000, long output = 500, long cacheRead = 0, long cacheWrite = 0, string usage = "{}", string at = "2026-11-02T10:00:00Z") =>
        $$"""{"request_id":"{{id}}","attempt":1,"timestamp":"{{at}}","provider":"{{provider}}","model":"{{model}}","tenant":"acme","input_tokens":{{input}},"cache_read_tokens":{{cacheRead}},"cache_write_tokens":{{cacheWrite}},"output_tokens":{{output}},"reasoning_tokens":0,"usage":{{usage}},"cost_usd":"{{cost}}","latency_ms":{{latency}},"success":{{(success ? "true" : "false")}}}""";

    private async Task ImportAsync(params string[] lines)
    {
        var path = Path.Combine(_dir, "records.jsonl");
        await File.WriteAllLinesAsync(path, lines, TestContext.Current.CancellationToken);
        var import = await CliRun.RunAsync("import", path, "--store", Store());
        Assert.True(import.ExitCode == 0, import.Error);
    }

    private static decimal Money(JsonElement e) => decimal.Parse(e.GetString()!, CultureInfo.InvariantCulture);

    private static JsonElement Row(JsonDocument doc, string key) =>
        doc.RootElement.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("key").GetString() == key);

    [Fact]
    public async Task Compare_TwoModels_LatencyPercentilesRatiosAndEfficiencyScore()
    {
        await ImportAsync(
            Line("a1", "gpt-4o", "1.00", 100),
            Line("a2", "gpt-4o", "1.00", 300),
            Line("a3", "gpt-4o", "1.00", 200),
            Line("a4", "gpt-4o", "1.00", 50, success: false),
            Line("b1", "gpt-4o-mini", "0.10", 600),
            Line("b2", "gpt-4o-mini", "0.10", 400));

        var run = await CliRun.RunAsync("compare", "--json", "--store", Store());
        var human = await CliRun.RunAsync("compare", "--store", Store());

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal("model", doc.RootElement.GetProperty("by").GetString());
        Assert.Equal(4.20m, Money(doc.RootElement.GetProperty("total")));
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], doc.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()));
        var big = Row(doc, "gpt-4o");
        var mini = Row(doc, "gpt-4o-mini");
        // Nearest rank over the successful calls only: [100, 200, 300] → p50 = 2nd = 200, p95 = 3rd = 300; [400, 600] → 400, 600;
        // each reported as the upper bound of its latency bucket (docs/analytics.md): 201, 303, 403, 607.
        Assert.Equal(201, big.GetProperty("latency_p50_ms").GetInt64());
        Assert.Equal(303, big.GetProperty("latency_p95_ms").GetInt64());
        Assert.Equal(403, mini.GetProperty("latency_p50_ms").GetInt64());
        Assert.Equal(607, mini.GetProperty("latency_p95_ms").GetInt64());
        Assert.Equal(0.75m, big.GetProperty("success_rate").GetDecimal());
        Assert.Equal(95.24m, big.GetProperty("share_percent").GetDecimal());
        Assert.Equal(1m, Money(big.GetProperty("avg_cost_per_request")));
        Assert.Equal(0.666666667m, Money(big.GetProperty("cost_per_1k_tokens")));   // 4 × 1000 / 6000
        Assert.Equal(2m, Money(big.GetProperty("cost_per_1k_output_tokens")));      // 4 × 1000 / 2000
        Assert.Equal(0.066666667m, Money(mini.GetProperty("cost_per_1k_tokens")));  // 0.2 × 1000 / 3000
        Assert.Equal(0.5m, big.GetProperty("output_input_ratio").GetDecimal());
        Assert.Equal(0m, big.GetProperty("cache_hit_rate").GetDecimal());
        // gpt-4o: 100 × 0.75 × (0.066666667 / 0.666666667)^0.7 × (201 / 201)^0.3 = 75 × 0.19953 = 15.0
        // mini:   100 × 1 × 1 × (201 / 403)^0.3 = 81.2
        Assert.Equal(15.0m, big.GetProperty("efficiency_score").GetDecimal());
        Assert.Equal(81.2m, mini.GetProperty("efficiency_score").GetDecimal());
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("gpt-4o-mini", human.Out, StringComparison.Ordinal);
        Assert.Contains("81.2", human.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_CachedClaudeCalls_SavingsRepricedWithAndWithoutTheCache()
    {
        // claude-sonnet-4-5 (builtin): input 3, cache read 0.30, cache write 3.75, 1h cache write 6, output 15 $/Mtok.
        await ImportAsync(
            // 100k input = 20k plain + 60k read + 20k written (5-minute default): 0.06 + 0.018 + 0.075 + 0.015 output = 0.168.
            Line("c1", "claude-sonnet-4-5", "0.168", 900, provider: "anthropic", input: 100_000, output: 1000, cacheRead: 60_000, cacheWrite: 20_000),
            // The same with the write at the 1-hour TTL: 0.06 + 0.018 + 0.12 + 0.015 = 0.213.
            Line("c2", "claude-sonnet-4-5", "0.213", 900, provider: "anthropic", input: 100_000, output: 1000, cacheRead: 60_000, cacheWrite: 20_000,
                usage: """{"cache_write_1h_tokens":20000}"""),
            Line("d1", "gpt-4o-mini", "0.10", 300));

        var run = await CliRun.RunAsync("compare", "--by", "provider", "--json", "--store", Store());

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        var anthropic = Row(doc, "anthropic").GetProperty("cache_savings");
        // Without reads each call costs 0.162 more (60k × (3 − 0.30)/M). Writes cost 20k × (3.75 − 3)/M = 0.015 (5m) and
        // 20k × (6 − 3)/M = 0.06 (1h) above plain input. Without any cache: 0.315 each → net 0.147 + 0.102 = 0.249.
        Assert.Equal(0.324m, Money(anthropic.GetProperty("read_discount")));
        Assert.Equal(0.075m, Money(anthropic.GetProperty("write_premium")));
        Assert.Equal(0.06m, Money(anthropic.GetProperty("write_premium_1h")));
        Assert.Equal(0.249m, Money(anthropic.GetProperty("net")));
        Assert.Equal(2, anthropic.GetProperty("records").GetInt64());
        Assert.Equal(0.6m, Row(doc, "anthropic").GetProperty("cache_hit_rate").GetDecimal());
        Assert.Equal(0m, Money(Row(doc, "openai").GetProperty("cache_savings").GetProperty("net")));
        Assert.Equal(0.249m, Money(doc.RootElement.GetProperty("cache_savings").GetProperty("net")));
    }

    [Fact]
    public async Task Compare_TopOne_FoldsTheRestIntoOtherAndRowsAddUp()
    {
        await ImportAsync(
            Line("a", "gpt-4o", "3.00", 100),
            Line("b", "gpt-4o-mini", "0.50", 300),
            Line("c", "o3-mini", "0.25", 500));

        var run = await CliRun.RunAsync("compare", "--top", "1", "--json", "--store", Store());

        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal(["gpt-4o", "(other)"], doc.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()));
        var other = Row(doc, "(other)");
        Assert.Equal(0.75m, Money(other.GetProperty("cost")));
        Assert.Equal(503, other.GetProperty("latency_p95_ms").GetInt64()); // 500 ms, in the bucket 500–503 ms
        Assert.Equal(Money(doc.RootElement.GetProperty("total")), doc.RootElement.GetProperty("rows").EnumerateArray().Sum(r => Money(r.GetProperty("cost"))));
    }

    [Fact]
    public async Task Cost_ComparePrevious_EachGroupWithItsCostInThePeriodBeforeAndTheChange()
    {
        await ImportAsync(
            Line("c1", "gpt-4o", "3.00", 100, at: "2026-11-02T10:00:00Z"),
            Line("c2", "gpt-4o-mini", "1.00", 100, at: "2026-11-03T23:59:00Z"),
            Line("p1", "gpt-4o", "2.00", 100, at: "2026-11-01T12:00:00Z"),
            Line("p2", "o3-mini", "0.50", 100, at: "2026-10-31T00:00:00Z"),
            Line("x1", "gpt-4o", "9.00", 100, at: "2026-10-30T23:59:59Z"),
            Line("x2", "gpt-4o", "9.00", 100, at: "2026-11-04T00:00:00Z"));

        // Two days (2–3 Nov) against the two days before (31 Oct – 1 Nov); 30 Oct and 4 Nov are outside both.
        var run = await CliRun.RunAsync("cost", "--by", "model", "--from", "2026-11-02", "--to", "2026-11-03", "--compare-previous", "--json", "--store", Store());
        var folded = await CliRun.RunAsync("cost", "--by", "model", "--from", "2026-11-02", "--to", "2026-11-03", "--compare-previous", "--top", "1", "--json", "--store", Store());
        var human = await CliRun.RunAsync("cost", "--by", "model", "--from", "2026-11-02", "--to", "2026-11-03", "--compare-previous", "--store", Store());
        var buckets = await CliRun.RunAsync("cost", "--by", "day", "--compare-previous", "--store", Store());

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal(4.00m, Money(doc.RootElement.GetProperty("total")));
        Assert.Equal(2.50m, Money(doc.RootElement.GetProperty("previous_total")));
        Assert.Equal(60m, doc.RootElement.GetProperty("change_percent").GetDecimal());
        var groups = doc.RootElement.GetProperty("groups").EnumerateArray()
            .Select(g => (g.GetProperty("key").GetString(), Money(g.GetProperty("cost")), Money(g.GetProperty("previous_cost")),
                g.GetProperty("change_percent").ValueKind == JsonValueKind.Null ? (decimal?)null : g.GetProperty("change_percent").GetDecimal()))
            .ToList();
        Assert.Equal([("gpt-4o", 3.00m, 2.00m, 50m), ("gpt-4o-mini", 1.00m, 0m, null), ("o3-mini", 0m, 0.50m, -100m)], groups);
        using var top = JsonDocument.Parse(folded.Out);
        var other = top.RootElement.GetProperty("groups")[1];
        Assert.Equal("(other)", other.GetProperty("key").GetString());
        Assert.Equal(0.50m, Money(other.GetProperty("previous_cost")));
        Assert.Equal(100m, other.GetProperty("change_percent").GetDecimal());
        Assert.Contains("Previous period (2026-10-31 00:00 to 2026-11-02 00:00 UTC): 2.5 USD, change +60.00 %", human.Out, StringComparison.Ordinal);
        Assert.Equal(1, buckets.ExitCode);
        Assert.Contains("--compare-previous works with a breakdown", buckets.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--by", "colour", "unknown dimension 'colour'")]
    [InlineData("--by", "tag:feature", "no record in the range has the tag key 'feature'")]
    [InlineData("--top", "0", "--top must be a positive number")]
    public async Task Compare_BadInput_SaysWhatToFixAndExitsNonZero(string option, string value, string message)
    {
        await ImportAsync(Line("a", "gpt-4o", "1.00", 100));

        var run = await CliRun.RunAsync("compare", option, value, "--store", Store());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
