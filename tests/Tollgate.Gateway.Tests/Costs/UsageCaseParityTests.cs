using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Pricing;

namespace Tollgate.Gateway.Tests.Costs;

/// <summary>
/// Door parity on real bodies: each OpenAI (chat, embeddings, responses) and Anthropic (messages) case of the genai-prices usage sample, served
/// verbatim by the fake upstream through the gateway, is billed exactly as <c>tollgate price</c> (the catalog's extractor
/// rules, <see cref="CostEngine.PriceResponse"/>) prices the same body.
/// </summary>
public sealed class UsageCaseParityTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("openai", "chat", "/v1/chat/completions")]
    [InlineData("openai", "embeddings", "/v1/embeddings")]
    [InlineData("openai", "responses", "/v1/responses")]
    [InlineData("anthropic", "default", "/v1/messages")]
    public async Task Cases_ServedVerbatim_BilledAsTollgatePricePricesThem(string provider, string flavor, string path)
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        var failures = new List<string>();
        var compared = 0;
        foreach (var line in File.ReadLines(SharedData.Path("genai-prices", "usage-cases.sample.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.GetProperty("provider").GetString() != provider || root.GetProperty("api_flavor").GetString() != flavor)
            {
                continue;
            }

            var body = root.GetProperty("body");
            if (!body.TryGetProperty("model", out var modelElement) || modelElement.GetString() is not { Length: > 0 } model)
            {
                continue;
            }

            gateway.Upstream.VerbatimBody = body.GetRawText();
            var request = flavor switch
            {
                "embeddings" => JsonSerializer.Serialize(new { model = provider + "/" + model, input = "hello" }),
                "responses" => JsonSerializer.Serialize(new { model = provider + "/" + model, input = "hello", max_output_tokens = 100 }),
                _ => JsonSerializer.Serialize(new { model = provider + "/" + model, max_tokens = 100, messages = new[] { new { role = "user", content = "hello" } } }),
            };
            using var response = await client.PostAsync(path, new StringContent(request, Encoding.UTF8, "application/json"), Ct);
            var expected = engine.PriceResponse(provider, flavor, body, DateTimeOffset.UtcNow);
            compared++;
            if (!response.IsSuccessStatusCode)
            {
                failures.Add($"{model}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
                continue;
            }

            var billed = decimal.Parse(response.Headers.GetValues("x-tollgate-cost").Single(), CultureInfo.InvariantCulture);
            var unpriced = response.Headers.Contains("x-tollgate-unpriced");
            var priced = expected.Cost is { Priced: true } cost ? cost.TotalCost : (decimal?)null;
            if (priced is null ? !unpriced : unpriced || Math.Abs(billed - priced.Value) > 0.000000001m)
            {
                failures.Add($"{model}: gateway {(unpriced ? "unpriced" : billed.ToString(CultureInfo.InvariantCulture))}, tollgate price {priced?.ToString(CultureInfo.InvariantCulture) ?? "unpriced"} ({expected.Extraction.Usage}) body {body.GetRawText()[..Math.Min(300, body.GetRawText().Length)]}");
            }
        }

        foreach (var failure in failures.Take(20))
        {
            output.WriteLine(failure);
        }

        Assert.True(compared > 50, $"only {compared} {flavor} cases compared");
        Assert.True(failures.Count == 0, $"{failures.Count} of {compared} {flavor} cases billed differently, e.g. {string.Join(" | ", failures.Take(3))}");
    }
}
