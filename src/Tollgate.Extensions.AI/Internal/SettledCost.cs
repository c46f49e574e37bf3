namespace Tollgate.Extensions.AI.Internal;

/// <summary>What a settled call cost (the fields a ledger record keeps), without allocating a breakdown per call.</summary>
internal readonly record struct SettledCost(
    bool Priced, string Currency, decimal InputCost, decimal OutputCost, decimal TotalCost, string? PriceSource, string? UnpricedReason);
