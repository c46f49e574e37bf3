using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Metering;

/// <summary>
/// The one worst-case formula: all input uncached, every output token priced at the higher of the output and the
/// reasoning rate. Null when no price covers the model (a hold is then never read as $0: admission decides).
/// </summary>
public static class WorstCasePricer
{
    /// <summary>
    /// The largest worst case the pricer answers (one billion in the budget's currency): more than any budget
    /// allows, and small enough that the nano-unit counters never overflow when a hold or a rate is applied to it.
    /// </summary>
    public const decimal MaxWorstCase = 1_000_000_000m;

    [ThreadStatic]
    private static Usage? t_plain;

    [ThreadStatic]
    private static Usage? t_reasoning;

    /// <summary>
    /// Prices through the resolved catalog entry when it prices the call (allocation-free: per-thread scratch usages,
    /// read synchronously and kept by nobody), otherwise through <paramref name="calculator"/> (explicit fallback prices).
    /// </summary>
    public static decimal? Cost(ModelLookup? lookup, ICostCalculator calculator, string provider, string model, long inputTokens, long outputTokens, DateTimeOffset at)
    {
        var plain = t_plain ??= new Usage();
        var reasoning = t_reasoning ??= new Usage();
        plain.InputTokens = inputTokens;
        plain.OutputTokens = outputTokens;
        reasoning.InputTokens = inputTokens;
        reasoning.OutputTokens = outputTokens;
        reasoning.ReasoningTokens = outputTokens;
        try
        {
            if (lookup is { Found: true })
            {
                var asOutput = lookup.ComputeCost(plain, at);
                if (asOutput.Priced)
                {
                    var asReasoning = lookup.ComputeCost(reasoning, at);
                    return Capped(asReasoning.Priced ? Math.Max(asOutput.TotalCost, asReasoning.TotalCost) : asOutput.TotalCost);
                }
            }

            var calculated = calculator.Calculate(provider, model, plain, at);
            if (!calculated.Priced)
            {
                return null;
            }

            var calculatedReasoning = calculator.Calculate(provider, model, reasoning, at);
            return Capped(calculatedReasoning.Priced ? Math.Max(calculated.TotalCost, calculatedReasoning.TotalCost) : calculated.TotalCost);
        }
        catch (OverflowException)
        {
            // More output than any price can be multiplied by: no budget can hold it.
            return MaxWorstCase;
        }
    }

    private static decimal Capped(decimal cost) => Math.Min(cost, MaxWorstCase);
}
