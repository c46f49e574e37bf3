using System.Globalization;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Tests.Pricing;

/// <summary>Every case of the genai-prices sample (real provider bodies) through extraction and the cost engine.</summary>
public sealed class UsageCasesTests(ITestOutputHelper output)
{
    [Fact]
    public void SampleCases_AllAgreeWithExpected()
    {
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        var lines = File.ReadAllLines(SharedData.Path("genai-prices", "usage-cases.sample.jsonl"));
        var failures = new List<string>();
        var agree = 0;
        foreach (var (line, index) in lines.Select((l, i) => (l, i + 1)))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var provider = root.GetProperty("provider").GetString()!;
            var flavor = root.GetProperty("api_flavor").GetString()!;
            var timestamp = DateTimeOffset.Parse(root.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture);
            var expected = root.GetProperty("expected");

            var priced = engine.PriceResponse(provider, flavor, root.GetProperty("body"), timestamp);
            var extraction = priced.Extraction;
            if (!extraction.Success)
            {
                failures.Add($"line {index}: extraction failed: {extraction.Error}");
                continue;
            }

            var expectedUsage = new Usage();
            foreach (var unit in expected.GetProperty("usage").EnumerateObject())
            {
                Assert.True(UsageUnitInfo.TryFromKey(unit.Name, out var u), unit.Name);
                expectedUsage.Set(u, unit.Value.GetInt64());
            }

            if (!expectedUsage.Equals(extraction.Usage))
            {
                failures.Add($"line {index}: usage {extraction.Usage} != expected {expectedUsage}");
                continue;
            }

            var cost = priced.Cost!;

            // The allocation-free fast path must give exactly the same figures as the full breakdown.
            var fast = engine.Resolve(provider, extraction.Model ?? string.Empty).ComputeCost(extraction.Usage!, timestamp);
            if (fast != (cost.Priced ? new CallCost(true, cost.InputCost, cost.OutputCost, cost.TotalCost) : default))
            {
                failures.Add($"line {index}: fast path {fast} differs from breakdown {cost.InputCost}/{cost.OutputCost}/{cost.TotalCost}");
                continue;
            }
            if (expected.GetProperty("priced").GetBoolean())
            {
                var input = decimal.Parse(expected.GetProperty("input_price").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
                var outputPrice = decimal.Parse(expected.GetProperty("output_price").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (!cost.Priced || cost.InputCost != input || cost.OutputCost != outputPrice)
                {
                    failures.Add($"line {index} {provider}/{flavor} {extraction.Model}: got priced={cost.Priced} {cost.InputCost}/{cost.OutputCost} ({cost.UnpricedReason}), expected {input}/{outputPrice}");
                    continue;
                }
            }
            else if (cost.Priced)
            {
                failures.Add($"line {index} {provider}/{flavor} {extraction.Model}: priced as {cost.ModelId} but expected unpriced");
                continue;
            }

            agree++;
        }

        output.WriteLine($"agreement: {agree}/{lines.Length}");
        Assert.True(failures.Count == 0, $"agreement {agree}/{lines.Length}; first failures:\n{string.Join('\n', failures.Take(30))}");
        Assert.Equal(5775, lines.Length);
    }
}
