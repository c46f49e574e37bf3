using Tollgate.Costing;

namespace Tollgate.Tokens;

/// <summary>
/// Worst-case cost of a request before it is sent: input tokens counted + the maximum output
/// (<c>max_completion_tokens</c>/<c>max_tokens</c> × <c>n</c>, else the model's maximum from <see cref="IModelLimits"/>),
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

        long? maxOutput = null;
        var source = "none";
        if (requestedMaxOutput is > 0)
        {
            maxOutput = requestedMaxOutput.Value;
            source = "request";
        }
        else if (_limits.GetMaxOutputTokens(provider, model) is int limit and > 0)
        {
            maxOutput = limit;
            source = "model-limits";
        }

        var result = new WorstCaseEstimate
        {
            Provider = provider,
            Model = model,
            InputTokens = input.Tokens,
            IsEstimate = input.IsEstimate,
            MaxOutputTokens = maxOutput * choices,
            MaxOutputSource = source,
        };
        if (maxOutput is null)
        {
            return result with { UnpricedReason = $"no output limit: the request sets no max_tokens/max_completion_tokens and no maximum output is known for {model}" };
        }

        var output = maxOutput.Value * choices;
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
