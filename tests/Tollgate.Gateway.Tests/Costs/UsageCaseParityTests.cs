using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Metering;
using Tollgate.Pricing;

namespace Tollgate.Gateway.Tests.Costs;

/// <summary>
/// Door parity on real bodies: each case of the genai-prices usage sample whose provider and API flavour the gateway
/// serves (OpenAI chat, embeddings and responses; Anthropic messages; Gemini through its translating adapter; every
/// OpenAI-compatible or Anthropic-format provider), served verbatim by the fake upstream through the gateway, is billed
/// exactly as <c>tollgate price</c> (the catalog's extractor rules, <see cref="CostEngine.PriceResponse"/>) prices the same body.
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

    [Fact]
    public async Task GeminiImageOutput_ThroughTheChatDoor_BilledAtTheImageOutputPrice()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        // Gemini reports image output inside candidatesTokenCount; only the modality breakdown says which part is image.
        gateway.Upstream.VerbatimBody = """
            {"modelVersion":"gemini-2.5-flash-image","candidates":[{"content":{"role":"model","parts":[{"text":"Here it is"}]},"finishReason":"STOP"}],
             "usageMetadata":{"promptTokenCount":17,"candidatesTokenCount":1336,"totalTokenCount":1353,
              "promptTokensDetails":[{"modality":"TEXT","tokenCount":17}],"candidatesTokensDetails":[{"modality":"IMAGE","tokenCount":1290}]}}
            """;
        var request = JsonSerializer.Serialize(new { model = "google/gemini-2.5-flash-image", max_tokens = 2000, messages = new[] { new { role = "user", content = "draw a cat" } } });

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(request, Encoding.UTF8, "application/json"), Ct);

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        // 17 input × $0.30/M + 1290 image × $30/M + 46 text × $2.50/M (genai-prices: 0.0000051 + 0.038815).
        Assert.Equal(0.0388201m, decimal.Parse(response.Headers.GetValues("x-tollgate-cost").Single(), CultureInfo.InvariantCulture));
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal(0.0388201m, record.TotalCost);
        Assert.Equal(1290, record.Usage[Tollgate.Costing.UsageUnit.OutputImageTokens]);
    }

    /// <summary>
    /// Every other provider and flavour of the sample, each through the door and wire that serve it: an endpoint per
    /// provider (OpenAI-compatible passthrough, Anthropic-format passthrough, or Google's Gemini adapter) priced as that
    /// catalog provider. Groups no door serves (another wire: Bedrock Converse, Cohere, xAI's native shape) are listed.
    /// </summary>
    [Fact]
    public async Task AllServedProviders_ServedVerbatim_BilledAsTollgatePricePricesThem()
    {
        var groups = new SortedDictionary<string, List<JsonElement>>(StringComparer.Ordinal);
        var documents = new List<JsonDocument>();
        foreach (var line in File.ReadLines(SharedData.Path("genai-prices", "usage-cases.sample.jsonl")))
        {
            var doc = JsonDocument.Parse(line);
            documents.Add(doc);
            var key = doc.RootElement.GetProperty("provider").GetString() + "/" + doc.RootElement.GetProperty("api_flavor").GetString();
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
            }

            list.Add(doc.RootElement);
        }

        var plans = new Dictionary<string, Door>(StringComparer.Ordinal);
        var unserved = new List<string>();
        foreach (var key in groups.Keys)
        {
            var (provider, flavor) = (key[..key.IndexOf('/')], key[(key.IndexOf('/') + 1)..]);
            if (provider == "openai" || key == "anthropic/default")
            {
                continue; // the theory above
            }

            if (DoorFor(provider, flavor) is { } door)
            {
                plans[key] = door;
            }
            else
            {
                unserved.Add($"{key} ({groups[key].Count})");
            }
        }

        await using var gateway = await TestGateway.StartAsync((options, upstream) =>
        {
            foreach (var door in plans.Values.DistinctBy(d => d.Endpoint))
            {
                if (door.Endpoint == "google")
                {
                    continue; // configured by TestGateway (Gemini adapter)
                }

                options.Providers.Add(new ProviderEndpointOptions
                {
                    Name = door.Endpoint,
                    BaseUrl = (door.Format == "anthropic" ? upstream.AnthropicBase : upstream.OpenAiBase).ToString(),
                    ApiKey = "sk-upstream-" + door.Endpoint,
                    Format = door.Format,
                    PricingProvider = door.PricedAs,
                });
            }
        }, new GatewayHostSettings { LogLevel = Microsoft.Extensions.Logging.LogLevel.Error });
        var (_, apiKey) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(apiKey);
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        var failures = new List<string>();
        var counts = new List<string>();
        var total = 0;
        var expectedUsage = new Dictionary<string, (string Case, Tollgate.Costing.Usage Usage)>(StringComparer.Ordinal);
        foreach (var (key, door) in plans)
        {
            var (provider, flavor) = (key[..key.IndexOf('/')], key[(key.IndexOf('/') + 1)..]);
            var compared = 0;
            var priced = 0;
            var skipped = 0;
            foreach (var root in groups[key])
            {
                var body = root.GetProperty("body");
                var model = body.TryGetProperty(door.Format == "gemini" ? "modelVersion" : "model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                if (string.IsNullOrEmpty(model))
                {
                    skipped++; // nothing to route on: the gateway needs the model the client asked for
                    continue;
                }

                gateway.Upstream.VerbatimBody = body.GetRawText();
                var pinned = door.Endpoint + "/" + model;
                var request = door.Path switch
                {
                    "/v1/embeddings" => JsonSerializer.Serialize(new { model = pinned, input = "hello" }),
                    "/v1/responses" => JsonSerializer.Serialize(new { model = pinned, input = "hello", max_output_tokens = 100 }),
                    _ => JsonSerializer.Serialize(new { model = pinned, max_tokens = 100, messages = new[] { new { role = "user", content = "hello" } } }),
                };
                using var response = await client.PostAsync(door.Path, new StringContent(request, Encoding.UTF8, "application/json"), Ct);
                var expected = engine.PriceResponse(provider, flavor, body, DateTimeOffset.UtcNow);
                compared++;
                priced += expected.Cost is { Priced: true } ? 1 : 0;
                if (expected.Extraction.Usage is { } usage && response.Headers.TryGetValues("x-tollgate-request-id", out var ids))
                {
                    expectedUsage[ids.Single()] = ($"{key} {model}", usage);
                }

                var problem = await CompareAsync(response, expected);
                if (problem is not null)
                {
                    failures.Add($"{key} {model}: {problem} ({expected.Extraction.Usage?.ToString() ?? expected.Extraction.Error}) body {Abbreviate(body)}");
                }
            }

            counts.Add($"{key} via {door.Path} on '{door.Endpoint}': {compared} compared ({priced} priced){(skipped > 0 ? $", {skipped} without a model" : "")}");
            total += compared;
        }

        // Priced or not (most bodies name models the provider does not list), the ledger holds the usage the catalog's rules read.
        var usageCompared = 0;
        foreach (var record in await gateway.LedgerRecordsAsync())
        {
            if (expectedUsage.TryGetValue(record.RequestId, out var want))
            {
                usageCompared++;
                if (!record.Usage.Equals(want.Usage))
                {
                    failures.Add($"{want.Case}: ledger usage [{record.Usage}], tollgate price [{want.Usage}]");
                }
            }
        }

        counts.Add($"usage compared in the ledger: {usageCompared} of {expectedUsage.Count}");
        Assert.Equal(expectedUsage.Count, usageCompared);
        output.WriteLine(string.Join(Environment.NewLine, counts));
        output.WriteLine("not served by any door: " + string.Join(", ", unserved));
        foreach (var failure in failures.Take(30))
        {
            output.WriteLine(failure);
        }

        foreach (var doc in documents)
        {
            doc.Dispose();
        }

        Assert.True(plans.Count >= 40 && total > 5000, $"only {plans.Count} provider flavours and {total} cases compared");
        Assert.True(failures.Count == 0, $"{failures.Count} of {total} cases billed differently, e.g. {string.Join(" | ", failures.Take(3))}");
    }

    /// <summary>Which door and endpoint serve a provider's API flavour (the gateway's wire for it), or null when none does.</summary>
    private static Door? DoorFor(string provider, string flavor)
    {
        var openAiEndpoint = provider is "anthropic" or "google" or "azure" ? provider + "-openai" : provider;
        if (provider == "google" && flavor == "default")
        {
            return new Door("google", "gemini", "google", "/v1/chat/completions");
        }

        if (Serves(provider, flavor, UsageWire.AnthropicMessages))
        {
            return new Door(provider + "-anthropic", "anthropic", provider, "/v1/messages");
        }

        if (Serves(provider, flavor, UsageWire.OpenAiResponses))
        {
            return new Door(openAiEndpoint, "openai", provider, "/v1/responses");
        }

        if (Serves(provider, flavor, UsageWire.OpenAiEmbeddings))
        {
            return new Door(openAiEndpoint, "openai", provider, "/v1/embeddings");
        }

        return Serves(provider, flavor, UsageWire.OpenAiChat) ? new Door(openAiEndpoint, "openai", provider, "/v1/chat/completions") : null;
    }

    private static bool Serves(string provider, string flavor, UsageWire wire)
    {
        var dialect = UsageDialect.For(PriceCatalog.BuiltIn, provider, wire);
        return dialect.Provider == provider && dialect.ApiFlavor == flavor;
    }

    private static async Task<string?> CompareAsync(HttpResponseMessage response, PricedResponse expected)
    {
        if (!response.IsSuccessStatusCode)
        {
            return $"HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
        }

        var billed = decimal.Parse(response.Headers.GetValues("x-tollgate-cost").Single(), CultureInfo.InvariantCulture);
        var unpriced = response.Headers.Contains("x-tollgate-unpriced");
        var priced = expected.Cost is { Priced: true } cost ? cost.TotalCost : (decimal?)null;
        return priced is null ? (unpriced ? null : $"gateway {billed.ToString(CultureInfo.InvariantCulture)}, tollgate price unpriced")
            : unpriced || Math.Abs(billed - priced.Value) > 0.000000001m ? $"gateway {(unpriced ? "unpriced" : billed.ToString(CultureInfo.InvariantCulture))}, tollgate price {priced.Value.ToString(CultureInfo.InvariantCulture)}"
            : null;
    }

    private static string Abbreviate(JsonElement body)
    {
        var text = body.GetRawText();
        return text[..Math.Min(300, text.Length)];
    }

    private sealed record Door(string Endpoint, string Format, string PricedAs, string Path);
}
