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

    /// <summary>
    /// True when the scenario's prices or discounts are not those in force (a price file, a discount file): every record
    /// is repriced. Otherwise only records a map moves are, and the others cost what they cost.
    /// </summary>
    public bool PricesChanged { get; init; }

    /// <summary>
    /// Every record is repriced when prices changed, or when nothing changes at all: repricing under the prices in force
    /// is then the check that the ledger's own costs are reproduced.
    /// </summary>
    public bool RepricesEveryRecord => PricesChanged || (ModelMap.Count == 0 && ProviderMap.Count == 0);

    /// <summary>True when the scenario reprices this record (a map moves it, or every record is repriced).</summary>
    public bool Reprices(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return RepricesEveryRecord || ModelMap.ContainsKey(record.Model) || ProviderMap.ContainsKey(record.Provider);
    }
}
