using System.Globalization;
using System.Text.Json;

namespace Tollgate.Cli.Tests.Ledger;

/// <summary>
/// <c>tollgate recommend</c> on generated ledgers with planted opportunities of known size (figures by hand from the
/// catalog's prices), and on one without any.
/// </summary>
public sealed class RecommendCliTests : IDisposable
{
    // Azure's gpt-4o at half OpenAI's price (2.5 / 10 USD per million tokens), for the cheaper_provider opportunity.
    private const string HalfPriceAzure = """
        [{"id": "azure", "name": "Azure", "api_pattern": "x", "models": [
          {"id": "gpt-4o", "match": {"equals": "gpt-4o"}, "prices": {"input_mtok": 1.25, "output_mtok": 5, "cache_read_mtok": 0.625}}
        ]}]
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-recommend-").FullName;

    private string Store() => "sqlite:" + Path.Combine(_dir, "tollgate.db");

    private static decimal Money(JsonElement e) => decimal.Parse(e.GetString()!, CultureInfo.InvariantCulture);

    private async Task ImportAsync(IEnumerable<string> lines)
    {
        var path = Path.Combine(_dir, "records.jsonl");
        await File.WriteAllLinesAsync(path, lines, TestContext.Current.CancellationToken);
        var run = await CliRun.RunAsync("import", path, "--store", Store());
        Assert.True(run.ExitCode == 0, run.Error);
    }

    private static IEnumerable<string> Calls(string prefix, int count, string model, long input, long output, decimal cost, string tags = "{}") =>
        Enumerable.Range(0, count).Select(i =>
            $$"""{"request_id":"{{prefix}}{{i}}","attempt":1,"timestamp":"2026-11-{{(i % 28) + 1:D2}}T10:00:00Z","provider":"openai","model":"{{model}}","tenant":"acme","input_tokens":{{input}},"output_tokens":{{output}},"tags":{{tags}},"cost_usd":"{{cost.ToString(CultureInfo.InvariantCulture)}}","latency_ms":5,"success":true}""");

    [Fact]
    public async Task Recommend_PlantedOpportunities_EachFoundWithItsSaving()
    {
        await ImportAsync([
            // gpt-4o (tier 4): 10k in + 1k out = 0.025 + 0.01 = 0.035 a call; 100 calls = 3.50.
            .. Calls("a", 100, "gpt-4o", 10_000, 1_000, 0.035m),
            // gpt-4o-mini (tier 3), marked non-urgent: 100k in + 10k out = 0.015 + 0.006 = 0.021 a call; 50 calls = 1.05.
            .. Calls("b", 50, "gpt-4o-mini", 100_000, 10_000, 0.021m, """{"priority":"batch"}""")]);
        var prices = Path.Combine(_dir, "azure.json");
        await File.WriteAllTextAsync(prices, HalfPriceAzure, TestContext.Current.CancellationToken);

        var run = await CliRun.RunAsync("recommend", "--providers", "openai,azure", "--prices", prices, "--min-saving", "0.1", "--json", "--store", Store());
        var human = await CliRun.RunAsync("recommend", "--providers", "openai,azure", "--prices", prices, "--min-saving", "0.1", "--store", Store());

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        var found = doc.RootElement.GetProperty("recommendations").EnumerateArray()
            .Select(r => (Kind: r.GetProperty("kind").GetString(), Model: r.GetProperty("scope").TryGetProperty("model", out var m) ? m.GetString() : null,
                Alternative: r.GetProperty("evidence").TryGetProperty("alternative", out var a) ? a.GetString() : null, Saving: Money(r.GetProperty("saving_usd"))))
            .ToList();
        var planted = new (string Kind, string? Model, string? Alternative, decimal Saving)[]
        {
            ("cheaper_model", "gpt-4o", "openai/gpt-5-mini", 3.50m - (100 * 0.0045m)),        // 10k × 0.25 + 1k × 2 per M = 0.0045 a call
            ("cheaper_provider", "gpt-4o", "azure/gpt-4o", 1.75m),                           // half of 3.50
            ("cheaper_model", "gpt-4o-mini", "openai/gpt-5-nano", 1.05m - (50 * 0.009m)),    // 100k × 0.05 + 10k × 0.4 per M = 0.009 a call
            ("batch", null, null, 0.525m),                                                   // 50 % of 1.05
        };
        Assert.Equal(planted.Length, found.Count);
        foreach (var p in planted)
        {
            var match = Assert.Single(found, f => f.Kind == p.Kind && f.Model == p.Model);
            Assert.Equal(p.Alternative, match.Alternative);
            Assert.InRange(match.Saving, p.Saving * 0.98m, p.Saving * 1.02m);
        }

        Assert.Equal(found.OrderByDescending(f => f.Saving).Select(f => f.Saving), found.Select(f => f.Saving));
        var first = doc.RootElement.GetProperty("recommendations")[0];
        Assert.Equal(87.14m, first.GetProperty("saving_percent").GetDecimal());
        Assert.Equal("100", first.GetProperty("evidence").GetProperty("requests").GetString());
        Assert.Contains("openai/gpt-5-mini", first.GetProperty("action").GetString(), StringComparison.Ordinal);
        Assert.Contains("1. Use gpt-5-mini instead of gpt-4o — save 3.05 USD (87.14 %)", human.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recommend_LedgerWithoutOpportunities_RecommendsNothing()
    {
        // gpt-5-nano is the cheapest OpenAI chat model of its tier or above; nothing is marked non-urgent.
        await ImportAsync(Calls("n", 200, "gpt-5-nano", 100_000, 10_000, 0.009m));

        var run = await CliRun.RunAsync("recommend", "--min-saving", "0", "--json", "--store", Store());
        var human = await CliRun.RunAsync("recommend", "--store", Store());

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal(0, doc.RootElement.GetProperty("recommendations").GetArrayLength());
        Assert.Contains("no recommendation", human.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--non-urgent-tag", "batch", "must be KEY=VALUE")]
    [InlineData("--min-saving", "-1", "must not be negative")]
    [InlineData("--from", "2026-11-05", "--to")]
    public async Task Recommend_BadInput_SaysWhatToFix(string option, string value, string message)
    {
        await ImportAsync(Calls("n", 2, "gpt-4o", 10, 10, 0.0001m));

        var run = await CliRun.RunAsync(option == "--from" ? ["recommend", option, value, "--to", "2026-11-01", "--store", Store()] : ["recommend", option, value, "--store", Store()]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
