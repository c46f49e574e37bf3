using BenchmarkDotNet.Attributes;
using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Benchmarks.Pricing;

/// <summary>Pricing one call: lookup + compute, and compute once the model is resolved (must allocate nothing).</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class PricingBenchmarks
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private CostEngine _engine = null!;
    private PriceCatalog _catalog = null!;
    private ModelLookup _gpt4o = null!;
    private ModelLookup _geminiTiered = null!;
    private ModelLookup _claudeSixUnits = null!;
    private Usage _usage = null!;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new CostEngine(PriceCatalog.BuiltIn);
        _catalog = _engine.Catalog;
        _gpt4o = _engine.Resolve("openai", "gpt-4o");
        _geminiTiered = _engine.Resolve("google", "gemini-2.5-pro");
        _claudeSixUnits = _engine.Resolve("anthropic", "claude-sonnet-4-5");
        _usage = new Usage { InputTokens = 12_000, CacheReadTokens = 4_000, OutputTokens = 800, ReasoningTokens = 200 };
    }

    /// <summary>Resolved once (the hot path in the gateway): price set at the timestamp + containment + exact decimals.</summary>
    [Benchmark(Baseline = true)]
    public CallCost ComputeResolved() => _gpt4o.ComputeCost(_usage, At);

    /// <summary>Same with a tiered price (gemini-2.5-pro: tier chosen by total input).</summary>
    [Benchmark]
    public CallCost ComputeResolvedTiered() => _geminiTiered.ComputeCost(_usage, At);

    /// <summary>A model pricing six units (input, cache read/write, 1h cache write, output, web searches).</summary>
    [Benchmark]
    public CallCost ComputeResolvedSixUnits() => _claudeSixUnits.ComputeCost(_usage, At);

    /// <summary>Lookup (cached provider + model resolution) + compute.</summary>
    [Benchmark]
    public CallCost LookupAndCompute() => _catalog.Resolve("openai", "gpt-4o").ComputeCost(_usage, At);

    /// <summary>The full ICostCalculator path (per-unit breakdown list, adjustments): allocates the result.</summary>
    [Benchmark]
    public CostBreakdown CalculateBreakdown() => _engine.Calculate("openai", "gpt-4o", _usage, At);
}
