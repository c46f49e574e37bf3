using Tollgate.Costing;

namespace Tollgate.Tests.Routing;

/// <summary>Prices per million tokens by model name, with an optional reasoning rate; unknown models are unpriced.</summary>
internal sealed class FakeCostCalculator : ICostCalculator
{
    private readonly Dictionary<string, (decimal Input, decimal Output, decimal? Reasoning)> _rates = new(StringComparer.OrdinalIgnoreCase);

    public FakeCostCalculator Price(string model, decimal inputPerMillion, decimal outputPerMillion, decimal? reasoningPerMillion = null)
    {
        _rates[model] = (inputPerMillion, outputPerMillion, reasoningPerMillion);
        return this;
    }

    public CostBreakdown Calculate(string provider, string model, Usage usage, DateTimeOffset timestamp)
    {
        if (!_rates.TryGetValue(model, out var rate))
        {
            return CostBreakdown.Unpriced($"no price for {model}", provider);
        }

        var reasoning = rate.Reasoning is null ? 0 : usage.ReasoningTokens;
        var input = usage.InputTokens * rate.Input / 1_000_000m;
        var output = ((usage.OutputTokens - reasoning) * rate.Output + reasoning * (rate.Reasoning ?? 0)) / 1_000_000m;
        return new CostBreakdown { Priced = true, InputCost = input, OutputCost = output, TotalCost = input + output, ProviderId = provider, ModelId = model };
    }
}
