using Tollgate.Analytics;
using Tollgate.Ledger;

namespace Tollgate.Savings;

/// <summary>
/// What to reprice: the records of a filter, grouped by a dimension or tag, each call moved to another model or provider
/// when a map names its own (model maps are matched on the model as recorded, provider maps on the provider).
/// </summary>
public sealed record WhatIfQuery
{
    public LedgerFilter Filter { get; init; } = LedgerFilter.All;

    public AnalyticsDimension By { get; init; } = AnalyticsDimension.Of(LedgerDimension.Model);

    public IReadOnlyDictionary<string, string> ModelMap { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> ProviderMap { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
