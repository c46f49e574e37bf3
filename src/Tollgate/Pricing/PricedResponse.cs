using Tollgate.Costing;

namespace Tollgate.Pricing;

/// <summary>
/// A raw provider response priced end to end: what was extracted (<see cref="Extraction"/>) and what it cost
/// (<see cref="Cost"/>; null when extraction failed). A body that names no model is extracted but unpriced.
/// </summary>
public sealed record PricedResponse(UsageExtraction Extraction, CostBreakdown? Cost)
{
    /// <summary>True when extraction failed (a bad body, not merely an unpriced model).</summary>
    public bool Failed => !Extraction.Success;
}
