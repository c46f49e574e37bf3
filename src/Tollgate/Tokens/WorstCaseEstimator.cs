using Tollgate.Costing;
using Tollgate.Metering;
using Tollgate.Pricing;

namespace Tollgate.Tokens;

/// <summary>
/// Worst-case cost of a request before it is sent: input tokens counted + the maximum output by the one rule the
/// gateway and the middleware hold by (<see cref="OutputBound"/>: the request's limit, else the model's maximum from
/// <see cref="IModelLimits"/>, else what the context window leaves, else a default — × <c>n</c>),
/// priced through <see cref="ICostCalculator"/> twice — all output as output, and all output as reasoning — and the
/// higher of the two kept, so a reasoning model's hidden tokens are covered. Tiered prices follow from the
/// calculator seeing the real input count.
/// </summary>
public sealed class WorstCaseEstimator(ICostCalculator calculator, IModelLimits limits, TimeProvider? timeProvider = null)
{
    private readonly ICostCalculator _calculator = calculator ?? throw new ArgumentNullException(nameof(calculator));
    private readonly IModelLimits _limits = limits ?? throw new ArgumentNullException(nameof(limits));
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Estimates a request whose input is already counted.</summary>
    public WorstCaseEstimate Estimate(string provider, string model, TokenCount input, int? requestedMaxOutput, int choices = 1, DateTimeOffset? at = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(choices, 1);
        var timestamp = at ?? _time.GetUtcNow();

        var modelLimit = _limits.GetMaxOutputTokens(provider, model);
        var window = _calculator is CostEngine engine ? engine.Resolve(provider, model).ContextWindow : null;
        var source = requestedMaxOutput is > 0 ? "request"
            : modelLimit is > 0 ? "model-limits"
            : window is { } w && w > input.Tokens ? "context-window"
            : "default";
        var output = OutputBound.Total(OutputBound.PerChoice(requestedMaxOutput, modelLimit, window, input.Tokens), choices);
        var result = new WorstCaseEstimate
        {
            Provider = provider,
            Model = model,
            InputTokens = input.Tokens,
            IsEstimate = input.IsEstimate,
            MaxOutputTokens = output,
            MaxOutputSource = source,
        };
        var plain = new Usage { InputTokens = input.Tokens, OutputTokens = output };
        var reasoning = new Usage { InputTokens = input.Tokens, OutputTokens = output, ReasoningTokens = output };
        var asOutput = _calculator.Calculate(provider, model, plain, timestamp);
        if (!asOutput.Priced)
        {
            return result with { UnpricedReason = asOutput.UnpricedReason ?? $"{provider}/{model} is not priced", Breakdown = asOutput };
        }

        var asReasoning = _calculator.Calculate(provider, model, reasoning, timestamp);
        var useReasoning = asReasoning.Priced && asReasoning.TotalCost > asOutput.TotalCost;
        var chosen = useReasoning ? asReasoning : asOutput;
        return result with
        {
            Cost = chosen.TotalCost,
            Currency = chosen.Currency,
            Breakdown = chosen,
            PricedAsReasoning = useReasoning,
        };
    }

    /// <summary>Counts <paramref name="request"/> with <paramref name="counter"/> and estimates it.</summary>
    public WorstCaseEstimate Estimate(string provider, ChatPrompt request, ChatTokenCounter counter, string? model = null, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(counter);
        var count = counter.Count(request, model);
        return Estimate(provider, count.Model, new TokenCount(count.Total, count.IsEstimate), request.MaxOutputTokens, request.Choices, at);
    }
}
