using System.Text;
using System.Text.Json;
using Tollgate.Pricing;
using Tollgate.Providers.Tests.Infrastructure;

namespace Tollgate.Providers.Tests.Adapters;

/// <summary>
/// The usage an adapter reports for a real provider body must be the usage the pricing engine's genai-prices
/// extractor reads from the same body, so a call is billed the same whichever door it came through.
/// </summary>
public sealed class PricingEngineAgreementTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;

    public async ValueTask InitializeAsync() => _upstream = await FakeUpstream.StartAsync();

    public async ValueTask DisposeAsync() => await _upstream.DisposeAsync();

    [Theory]
    [InlineData("openai", "openai", "chat", "v1")]
    [InlineData("groq", "groq", "default", "openai/v1")]
    [InlineData("mistral", "mistral", "default", "v1")]
    [InlineData("deepseek", "deepseek", "chat", "v1")]
    [InlineData("x-ai", "x-ai", "chat", "v1")]
    [InlineData("anthropic", "anthropic", "default", "")]
    [InlineData("google", "google", "default", "")]
    public async Task SendChatAsync_RealBodies_UsageEqualsPricingExtractor(string preset, string pricingId, string flavor, string basePath)
    {
        var bodies = Bodies(pricingId, flavor).Take(25).ToList();
        Assert.NotEmpty(bodies);
        var adapter = TestAdapters.Create(preset, new Uri(_upstream.BaseUrl, basePath));
        foreach (var body in bodies)
        {
            _upstream.Handler = FakeUpstream.Json(body);
            await using var response = await adapter.SendChatAsync(ChatRequest.Parse("""{"model":"m","messages":[{"role":"user","content":"hi"}]}"""), TestContext.Current.CancellationToken);
            using var document = JsonDocument.Parse(body);
            var expected = UsageExtractor.Extract(pricingId, flavor, document.RootElement);

            Assert.True(expected.Success, expected.Error);
            Assert.True(expected.Usage!.Equals(response.Usage), $"{preset}: pricing [{expected.Usage}] adapter [{response.Usage}] for {body}");
        }
    }

    /// <summary>Real response bodies from the genai-prices cassettes, shaped as each API returns them.</summary>
    private static IEnumerable<string> Bodies(string provider, string flavor)
    {
        foreach (var line in File.ReadLines(SharedData.Path("genai-prices", "usage-cases.sample.jsonl")))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.GetProperty("provider").GetString() != provider || root.GetProperty("api_flavor").GetString() != flavor)
            {
                continue;
            }

            var body = root.GetProperty("body");
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                foreach (var property in body.EnumerateObject())
                {
                    if (property.Name != "file")
                    {
                        property.WriteTo(writer);
                    }
                }

                // Minimal real-shaped content so the translators have an answer to translate.
                switch (provider)
                {
                    case "anthropic":
                        writer.WriteString("id", "msg_1");
                        writer.WriteString("type", "message");
                        writer.WriteString("stop_reason", "end_turn");
                        writer.WriteStartArray("content");
                        writer.WriteStartObject();
                        writer.WriteString("type", "text");
                        writer.WriteString("text", "ok");
                        writer.WriteEndObject();
                        writer.WriteEndArray();
                        break;
                    case "google":
                        writer.WritePropertyName("candidates");
                        writer.WriteRawValue("""[{"content":{"parts":[{"text":"ok"}],"role":"model"},"finishReason":"STOP"}]""");
                        break;
                    default:
                        writer.WriteString("object", "chat.completion");
                        writer.WritePropertyName("choices");
                        writer.WriteRawValue("""[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]""");
                        break;
                }

                writer.WriteEndObject();
            }

            yield return Encoding.UTF8.GetString(buffer.ToArray());
        }
    }
}
