using System.Globalization;
using System.Text.Json;

namespace Tollgate.Cli.Tests.Ledger;

/// <summary><c>tollgate whatif</c>: the ledger's own usage repriced; the current prices reproduce every priced record exactly.</summary>
public sealed class WhatIfCliTests : IDisposable
{
    // gpt-4o (builtin): input 2.5, output 10 USD per million tokens; gpt-4o-mini: 0.15 and 0.6.
    private const string HalfPriceGpt4o = """
        [{"id": "openai", "name": "OpenAI", "api_pattern": "x", "models": [
          {"id": "gpt-4o", "match": {"equals": "gpt-4o"}, "prices": {"input_mtok": 1.25, "output_mtok": 5, "cache_read_mtok": 0.625}}
        ]}]
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-whatif-").FullName;

    private string Store() => "sqlite:" + Path.Combine(_dir, "tollgate.db");

    private static decimal Money(JsonElement e) => decimal.Parse(e.GetString()!, CultureInfo.InvariantCulture);

    private async Task ImportAsync(IEnumerable<string> lines)
    {
        var path = Path.Combine(_dir, "records.jsonl");
        await File.WriteAllLinesAsync(path, lines, TestContext.Current.CancellationToken);
        var run = await CliRun.RunAsync("import", path, "--store", Store());
        Assert.True(run.ExitCode == 0, run.Error);
    }

    private static string Line(string id, string model, long input, long output, string cost, string provider = "openai", bool estimated = false, bool unpriced = false) =>
        $$"""{"request_id":"{{id}}","attempt":1,"timestamp":"2026-11-02T10:00:00Z","provider":"{{provider}}","model":"{{model}}","tenant":"acme","input_tokens":{{input}},"output_tokens":{{output}},"cost_usd":"{{cost}}","latency_ms":5,"success":true,"estimated":{{(estimated ? "true" : "false")}},"unpriced":{{(unpriced ? "true" : "false")}}}""";

    [Fact]
    public async Task WhatIf_RealProviderUsageAtCurrentPrices_ReproducesEveryRecordExactly()
    {
        // Real response bodies' usage and the prices genai-prices gives them (token units only, so total = input + output).
        var lines = new List<string>();
        decimal expected = 0;
        foreach (var text in File.ReadLines(SharedData.Path("genai-prices", "usage-cases.sample.jsonl")))
        {
            using var doc = JsonDocument.Parse(text);
            var c = doc.RootElement;
            var e = c.GetProperty("expected");
            if (!e.GetProperty("priced").GetBoolean() || !c.GetProperty("body").TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String
                || e.GetProperty("usage").EnumerateObject().Any(u => !u.Name.EndsWith("_tokens", StringComparison.Ordinal)))
            {
                continue;
            }

            var units = e.GetProperty("usage").EnumerateObject().ToDictionary(u => u.Name, u => u.Value.GetInt64());
            long Take(string key) => units.Remove(key, out var v) ? v : 0;
            var cost = decimal.Parse(e.GetProperty("input_price").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture) + decimal.Parse(e.GetProperty("output_price").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
            cost = Math.Round(cost, 9, MidpointRounding.AwayFromZero); // what a door records: whole nano-dollars
            expected += cost;
            lines.Add(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["request_id"] = $"case-{lines.Count}",
                ["timestamp"] = c.GetProperty("timestamp").GetString()!,
                ["provider"] = c.GetProperty("provider").GetString()!,
                ["model"] = model.GetString()!,
                ["input_tokens"] = Take("input_tokens"),
                ["output_tokens"] = Take("output_tokens"),
                ["cache_read_tokens"] = Take("cache_read_tokens"),
                ["cache_write_tokens"] = Take("cache_write_tokens"),
                ["reasoning_tokens"] = Take("output_reasoning_tokens"),
                ["usage"] = units,
                ["cost_usd"] = cost.ToString(CultureInfo.InvariantCulture),
                ["success"] = true,
            }));
        }

        Assert.True(lines.Count > 500, $"only {lines.Count} cases");
        await ImportAsync(lines);

        var run = await CliRun.RunAsync("whatif", "--by", "provider", "--json", "--store", Store());

        Assert.True(run.ExitCode == 0, run.Error);
        using var result = JsonDocument.Parse(run.Out);
        Assert.Equal(0, result.RootElement.GetProperty("not_reproduced_records").GetInt64());
        Assert.Equal(0, result.RootElement.GetProperty("unpriced_in_scenario_records").GetInt64());
        Assert.Equal(lines.Count, result.RootElement.GetProperty("requests").GetInt64());
        Assert.Equal(expected, Money(result.RootElement.GetProperty("actual_usd")));
        Assert.Equal(expected, Money(result.RootElement.GetProperty("whatif_usd")));
        Assert.Equal(0m, Money(result.RootElement.GetProperty("difference_usd")));
    }

    [Fact]
    public async Task WhatIf_OneModelAtHalfPrice_DifferenceIsHalfThatModelsCost()
    {
        await ImportAsync([
            Line("a", "gpt-4o", 100_000, 10_000, "0.35"),          // 0.25 + 0.10
            Line("b", "gpt-4o", 1_000_000, 100_000, "3.5"),        // 2.5 + 1
            Line("c", "gpt-4o-mini", 1_000_000, 1_000_000, "0.75"),
            Line("d", "gpt-4o", 10_000, 1_000, "0.035", estimated: true),
            Line("e", "house-model", 10, 10, "0", unpriced: true)]);
        var prices = Path.Combine(_dir, "half.json");
        await File.WriteAllTextAsync(prices, HalfPriceGpt4o, TestContext.Current.CancellationToken);

        var half = await CliRun.RunAsync("whatif", "--prices", prices, "--json", "--store", Store());
        var mini = await CliRun.RunAsync("whatif", "--map-model", "gpt-4o=gpt-4o-mini", "--json", "--store", Store());
        var human = await CliRun.RunAsync("whatif", "--prices", prices, "--store", Store());

        Assert.True(half.ExitCode == 0, half.Error);
        using var doc = JsonDocument.Parse(half.Out);
        var root = doc.RootElement;
        Assert.Equal(4.60m, Money(root.GetProperty("actual_usd")));
        Assert.Equal(-1.925m, Money(root.GetProperty("difference_usd")));   // half of gpt-4o's 3.85
        var gpt4o = root.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "gpt-4o");
        Assert.Equal(-50m, gpt4o.GetProperty("difference_percent").GetDecimal());
        Assert.Equal(0m, Money(root.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "gpt-4o-mini").GetProperty("difference_usd")));
        Assert.Equal(1, root.GetProperty("estimated").GetProperty("requests").GetInt64());
        Assert.Equal(0.0175m, Money(root.GetProperty("estimated").GetProperty("whatif_usd")));
        Assert.Equal(1, root.GetProperty("unpriced_records").GetInt64());
        using var miniDoc = JsonDocument.Parse(mini.Out);
        // On gpt-4o-mini: 1.1 M input × 0.15 + 0.11 M output × 0.6 = 0.165 + 0.066 = 0.231 instead of 3.85.
        Assert.Equal(0.231m + 0.75m, Money(miniDoc.RootElement.GetProperty("whatif_usd")));
        Assert.Contains("Difference: -1.925 USD", human.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--map-model", "gpt-4o", "must be FROM=TO")]
    [InlineData("--map-model", "gpt-4o=gpt-99-turbo", "'gpt-99-turbo' is not in the price catalog")]
    [InlineData("--map-provider", "openai=nonesuch", "'nonesuch' is not in the price catalog")]
    [InlineData("--prices", "/nonexistent/prices.json", "does not exist")]
    [InlineData("--by", "colour", "unknown dimension")]
    public async Task WhatIf_BadInput_SaysWhatToFix(string option, string value, string message)
    {
        await ImportAsync([Line("a", "gpt-4o", 100_000, 10_000, "0.35")]);

        var run = await CliRun.RunAsync("whatif", option, value, "--store", Store());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
