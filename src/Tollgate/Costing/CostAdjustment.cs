namespace Tollgate.Costing;

/// <summary>
/// A step applied to a call's catalog cost, in the order applied: a discount (<c>negotiated</c>, <c>batch</c>,
/// <c>volume</c>) or a currency conversion (<c>exchange</c>). Every unit cost was multiplied by <see cref="Factor"/>.
/// </summary>
/// <param name="Kind"><c>negotiated</c>, <c>batch</c>, <c>volume</c> or <c>exchange</c>.</param>
/// <param name="Description">Human-readable detail, e.g. "batch discount 50% (openai)" or "USD→EUR 0.92 from 2026-11-01".</param>
/// <param name="Factor">The multiplier applied (0.5 for 50% off; the exchange rate for a conversion).</param>
public sealed record CostAdjustment(string Kind, string Description, decimal Factor);
