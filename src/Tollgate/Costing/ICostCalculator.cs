using Tollgate.Pricing;

namespace Tollgate.Costing;

/// <summary>Prices a usage for a provider's model at the moment the call was made.</summary>
public interface ICostCalculator
{
    /// <summary>
    /// The cost of <paramref name="usage"/> on <paramref name="provider"/>/<paramref name="model"/> at the price in
    /// force at <paramref name="timestamp"/>. An unknown model is a result (<see cref="CostBreakdown.Priced"/> false), never an exception.
    /// </summary>
    CostBreakdown Calculate(string provider, string model, Usage usage, DateTimeOffset timestamp);

    /// <summary>
    /// The same cost as <see cref="Calculate"/> without the per-unit breakdown: what repricing millions of records
    /// needs. An implementation may answer it without allocating.
    /// </summary>
    CallCost CalculateTotal(string provider, string model, Usage usage, DateTimeOffset timestamp)
    {
        var cost = Calculate(provider, model, usage, timestamp);
        return new CallCost(cost.Priced, cost.InputCost, cost.OutputCost, cost.TotalCost);
    }

    /// <summary>
    /// True when the calls of <paramref name="provider"/>/<paramref name="model"/> made within one UTC day cost, summed,
    /// exactly what <see cref="CalculateSumsTotal"/> gives for their summed usage, given that no call had more than
    /// <paramref name="largestInputTokens"/> input tokens and, unless <paramref name="otherUnits"/>, every call reported
    /// only the five units the ledger's rollups sum (input, cache read, cache write, output and reasoning tokens): every
    /// price the model can have is flat for those calls (no tier reached, no time-of-day window), prices no unit they may
    /// carry beyond the five, and comes to whole nano-units per token after any discount, in USD, so no call's cost is
    /// rounded. What-if reprices such models from the rollups' sums. False (the default) when unsure.
    /// </summary>
    bool PricesSumsExactly(string provider, string model, long largestInputTokens, bool otherUnits) => false;

    /// <summary>
    /// True when no call of <paramref name="provider"/>/<paramref name="model"/> can be priced (neither the price list nor a
    /// fallback price knows the model): views that reprice calls then know, from sums, that every call is skipped. False
    /// (the default) when unsure.
    /// </summary>
    bool PricesNoCall(string provider, string model) => false;

    /// <summary>
    /// The cost of the calls of one UTC day whose usage is <paramref name="summed"/> (its <see cref="Usage.Requests"/> the
    /// number of calls), for a model <see cref="PricesSumsExactly"/> accepts: the price in force that day below its tiers.
    /// </summary>
    CallCost CalculateSumsTotal(string provider, string model, Usage summed, DateTimeOffset day) => CalculateTotal(provider, model, summed, day);
}
