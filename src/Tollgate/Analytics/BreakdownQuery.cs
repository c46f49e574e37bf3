using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>A breakdown of spend by one dimension or tag key over a filter, optionally the top N with the rest folded into <see cref="Breakdown.OtherKey"/>.</summary>
public sealed record BreakdownQuery
{
    public LedgerFilter Filter { get; init; } = LedgerFilter.All;

    /// <summary>Only records carrying every one of these tags.</summary>
    public IReadOnlyList<TagFilter> Tags { get; init; } = [];

    public AnalyticsDimension By { get; init; } = AnalyticsDimension.Of(LedgerDimension.Provider);

    /// <summary>Keep the N most expensive groups and fold the others into one <see cref="Breakdown.OtherKey"/> row; null keeps all.</summary>
    public int? Top { get; init; }

    /// <summary>Also sum each group over the period of the same length just before <c>Filter.From</c> (needs From and To).</summary>
    public bool ComparePrevious { get; init; }
}
