namespace Tollgate.Costing;

/// <summary>
/// What one call cost: per unit, input, output and total, in <see cref="decimal"/>, in <see cref="Currency"/>.
/// An unpriced call (unknown model, inconsistent usage) has <see cref="Priced"/> = false and zero amounts
/// that must never be read as "free": <see cref="UnpricedReason"/> says why.
/// </summary>
public sealed record CostBreakdown
{
    public required bool Priced { get; init; }

    /// <summary>ISO 4217 code; the catalog's is USD.</summary>
    public string Currency { get; init; } = "USD";

    public decimal InputCost { get; init; }

    public decimal OutputCost { get; init; }

    /// <summary>Input + output + units with no direction (requests, web searches, …), after discounts.</summary>
    public decimal TotalCost { get; init; }

    /// <summary>Cost per priced unit (a unit's own count × its rate), in registry order.</summary>
    public IReadOnlyList<UnitCost> Units { get; init; } = [];

    /// <summary>The catalog provider id matched (e.g. <c>openai</c>).</summary>
    public string? ProviderId { get; init; }

    /// <summary>The catalog model id matched (e.g. <c>gpt-4o</c>).</summary>
    public string? ModelId { get; init; }

    /// <summary>Where the price came from: <c>builtin</c>, <c>override:PATH</c>, <c>remote:URL</c>, <c>fallback</c>, …</summary>
    public string? PriceSource { get; init; }

    /// <summary>Discounts and currency conversion applied to the catalog price, in order; empty when none.</summary>
    public IReadOnlyList<CostAdjustment> Adjustments { get; init; } = [];

    /// <summary>Why the call is unpriced, with the closest known model ids as a hint; null when priced.</summary>
    public string? UnpricedReason { get; init; }

    public static CostBreakdown Unpriced(string reason, string? providerId = null) =>
        new() { Priced = false, UnpricedReason = reason, ProviderId = providerId };
}

/// <summary>The cost of one unit within a <see cref="CostBreakdown"/>.</summary>
/// <param name="Unit">The unit priced.</param>
/// <param name="Count">The unit's own count (containing units' counts already subtracted).</param>
/// <param name="Rate">The price per <see cref="UsageUnitInfo.Per"/> counts applied (after tier selection).</param>
/// <param name="Cost">Count × rate ÷ per.</param>
public readonly record struct UnitCost(UsageUnit Unit, long Count, decimal Rate, decimal Cost);
