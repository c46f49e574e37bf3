using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Metering;
using Tollgate.Providers.Tests.Infrastructure;

namespace Tollgate.Providers.Tests.Adapters;

/// <summary>
/// Each provider's usage dialect (the one reader the adapters and the gateway use) against genai-prices' own extraction of real provider bodies
/// (usage-cases.sample.jsonl): the same body must give the same usage, unit for unit.
/// </summary>
public sealed class UsageMappingAgreementTests
{
    [Theory]
    [InlineData("openai", "chat")]
    [InlineData("deepseek", "chat")]
    [InlineData("x-ai", "chat")]
    [InlineData("azure", "chat")]
    [InlineData("fireworks", "chat")]
    [InlineData("openrouter", "chat")]
    [InlineData("groq", "default")]
    [InlineData("mistral", "default")]
    [InlineData("anthropic", "default")]
    [InlineData("google", "default")]
    public void Read_RealBodies_MatchGenAiPricesExtraction(string provider, string flavor)
    {
        var cases = 0;
        var mismatches = new List<string>();
        foreach (var line in File.ReadLines(SharedData.Path("genai-prices", "usage-cases.sample.jsonl")))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.GetProperty("provider").GetString() != provider || root.GetProperty("api_flavor").GetString() != flavor)
            {
                continue;
            }

            cases++;
            var body = root.GetProperty("body");
            var actual = provider switch
            {
                "anthropic" => UsageDialect.BuiltIn(provider, UsageWire.AnthropicMessages).ReadUsageObject(body.GetProperty("usage")),
                "google" => UsageDialect.BuiltIn(provider, UsageWire.Gemini).ReadUsageObject(body.GetProperty("usageMetadata")),
                _ => UsageDialect.BuiltIn(provider, UsageWire.OpenAiChat).ReadUsageObject(body.GetProperty("usage")),
            };
            var expected = new Usage();
            foreach (var unit in root.GetProperty("expected").GetProperty("usage").EnumerateObject())
            {
                expected.Set(UsageUnitInfo.TryFromKey(unit.Name, out var u) ? u : throw new InvalidOperationException(unit.Name), unit.Value.GetInt64());
            }

            if (actual is null || !actual.Equals(expected))
            {
                mismatches.Add($"{body.GetProperty("file").GetString()}: expected [{expected}] got [{actual}]");
            }
        }

        Assert.True(cases > 0, $"no {provider}/{flavor} cases in the sample");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {cases} differ:\n{string.Join('\n', mismatches.Take(5))}");
    }
}
