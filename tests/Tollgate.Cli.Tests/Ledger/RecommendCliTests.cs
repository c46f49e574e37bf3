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

    private static string Hash(string label) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(label)));

    private static string Call(string id, DateTimeOffset at, string provider, string model, long input, long output, decimal cost,
        string? request = null, string? prefix = null, long prefixTokens = 0, long cacheRead = 0, string tags = "{}", bool success = true, int attempt = 1) =>
        $$"""{"request_id":"{{id}}","attempt":{{attempt}},"timestamp":"{{at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}","provider":"{{provider}}","model":"{{model}}","tenant":"acme","input_tokens":{{input}},"cache_read_tokens":{{cacheRead}},"output_tokens":{{output}},"tags":{{tags}}""" +
        (request is null ? "" : $",\"request_fingerprint\":\"{Hash(request)}\"") +
        (prefix is null ? "" : $",\"prefix_fingerprint\":\"{Hash(prefix)}\",\"prefix_tokens\":{prefixTokens}") +
        $$""","cost_usd":"{{cost.ToString(CultureInfo.InvariantCulture)}}","latency_ms":5,"success":{{(success ? "true" : "false")}}}""";

    private static readonly DateTimeOffset Start = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);

    private async Task<List<(string Kind, string? Model, decimal Saving, JsonElement Evidence)>> RecommendAsync()
    {
        var run = await CliRun.RunAsync("recommend", "--from", "2026-11-01", "--to", "2026-11-30", "--min-saving", "0.1", "--json", "--store", Store());
        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        return doc.RootElement.GetProperty("recommendations").EnumerateArray()
            .Select(r => (r.GetProperty("kind").GetString()!, r.GetProperty("scope").TryGetProperty("model", out var m) ? m.GetString() : null,
                Money(r.GetProperty("saving_usd")), r.GetProperty("evidence").Clone()))
            .ToList();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Recommend_RepeatedIdenticalRequests_ResponseCacheSavesTheRepeats(bool planted)
    {
        // gpt-5-nano (the cheapest of its tier): 100k in + 10k out = 0.005 + 0.004 = 0.009 a call.
        var lines = new List<string>();
        for (var k = 0; k < 40; k++)
        {
            for (var r = 0; r < 3; r++)
            {
                // Planted: three calls 10 minutes apart (two repeats each); control: 2 hours apart (beyond the 1 h window).
                var at = Start.AddDays(k % 20).AddMinutes(k + (r * (planted ? 10 : 120)));
                lines.Add(Call($"q{k}-{r}", at, "openai", "gpt-5-nano", 100_000, 10_000, 0.009m, request: $"request {k}"));
            }
        }

        lines.AddRange(Enumerable.Range(0, 100).Select(i => Call($"u{i}", Start.AddHours(i), "openai", "gpt-5-nano", 100_000, 10_000, 0.009m, request: $"unique {i}")));
        // A failed attempt and its retry are one request, not a repeat.
        lines.Add(Call("retry", Start.AddDays(25), "openai", "gpt-5-nano", 100_000, 0, 0m, request: "retried", success: false));
        lines.Add(Call("retry", Start.AddDays(25), "openai", "gpt-5-nano", 100_000, 10_000, 0.009m, request: "retried", attempt: 2));
        await ImportAsync(lines);

        var found = await RecommendAsync();

        if (!planted)
        {
            Assert.Empty(found);
            return;
        }

        var cache = Assert.Single(found);
        Assert.Equal("response_cache", cache.Kind);
        Assert.InRange(cache.Saving, 80 * 0.009m * 0.98m, 80 * 0.009m * 1.02m);
        Assert.Equal("80", cache.Evidence.GetProperty("repeats").GetString());
        Assert.Equal("40", cache.Evidence.GetProperty("repeated_requests").GetString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Recommend_RecurringLongPrefixesWithoutCacheReads_PromptCachingSavesReadsMinusWrites(bool planted)
    {
        // claude-haiku-4-5: input 1, cache write 1.25, cache read 0.1 USD per million tokens. A 10k-token prefix read
        // from the cache saves 10k × 0.9 / M = 0.009; writing it costs 10k × 0.25 / M = 0.0025 more.
        // Calls: 12k in + 500 out = 0.012 + 0.0025 = 0.0145.
        var lines = new List<string>();
        for (var p = 0; p < 20; p++)
        {
            for (var r = 0; r < 5; r++)
            {
                // Planted: five uses 2 minutes apart (one write, four reads); control: already read from the cache.
                var at = Start.AddDays(p % 10).AddHours(p).AddMinutes(r * 2);
                lines.Add(planted
                    ? Call($"c{p}-{r}", at, "anthropic", "claude-haiku-4-5", 12_000, 500, 0.0145m, request: $"c{p}-{r}", prefix: $"prefix {p}", prefixTokens: 10_000)
                    : Call($"c{p}-{r}", at, "anthropic", "claude-haiku-4-5", 12_000, 500, 0.0055m, request: $"c{p}-{r}", prefix: $"prefix {p}", prefixTokens: 10_000, cacheRead: 10_000));
            }
        }

        // Short prefixes (below the 1024-token minimum) repeat too, but cannot be cached.
        lines.AddRange(Enumerable.Range(0, 20).Select(i => Call($"s{i}", Start.AddDays(15).AddMinutes(i), "anthropic", "claude-haiku-4-5", 1_000, 500, 0.0035m, request: $"s{i}", prefix: "short", prefixTokens: 900)));
        await ImportAsync(lines);

        var found = (await RecommendAsync()).Where(f => f.Kind is "prompt_caching" or "response_cache").ToList();

        if (!planted)
        {
            Assert.Empty(found);
            return;
        }

        var caching = Assert.Single(found);
        Assert.Equal("prompt_caching", caching.Kind);
        var expected = 20 * ((4 * 0.009m) - 0.0025m);
        Assert.InRange(caching.Saving, expected * 0.98m, expected * 1.02m);
        Assert.Equal("80", caching.Evidence.GetProperty("cache_reads").GetString());
        Assert.Equal("20", caching.Evidence.GetProperty("cache_writes").GetString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Recommend_NonUrgentCallsAtPeakTimeOfDayPrices_OffPeakSavesTheDifference(bool planted)
    {
        // deepseek-chat: 0.27 / 1.1 USD per million from 00:30 to 16:30 UTC, half that otherwise.
        // 100k in + 10k out at 10:00 UTC = 0.027 + 0.011 = 0.038; off peak 0.019.
        var tags = planted ? """{"priority":"batch"}""" : "{}";
        await ImportAsync(Enumerable.Range(0, 30).Select(i =>
            Call($"d{i}", Start.AddDays(i % 25), "deepseek", "deepseek-chat", 100_000, 10_000, 0.038m, request: $"d{i}", tags: tags)));

        var found = (await RecommendAsync()).Where(f => f.Kind is "off_peak" or "batch").ToList();

        if (!planted)
        {
            Assert.Empty(found);
            return;
        }

        var offPeak = Assert.Single(found);
        Assert.Equal("off_peak", offPeak.Kind);
        Assert.InRange(offPeak.Saving, 30 * 0.019m * 0.98m, 30 * 0.019m * 1.02m);
        Assert.Equal("16:30", offPeak.Evidence.GetProperty("cheapest_from_utc").GetString());
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
