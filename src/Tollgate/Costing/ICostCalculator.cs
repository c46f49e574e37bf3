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
}
