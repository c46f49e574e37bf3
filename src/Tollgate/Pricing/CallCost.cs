namespace Tollgate.Pricing;

/// <summary>
/// A call's cost in the catalog currency (USD) before discounts, as a struct so the hot path allocates nothing.
/// <see cref="Priced"/> false (the default) means the usage could not be priced: the amounts are not "free".
/// </summary>
public readonly record struct CallCost(bool Priced, decimal InputCost, decimal OutputCost, decimal TotalCost)
{
    /// <summary>Every amount multiplied by <paramref name="factor"/> (a discount's or an exchange rate's).</summary>
    public CallCost Times(decimal factor) => new(Priced, InputCost * factor, OutputCost * factor, TotalCost * factor);
}
