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
    /// Whether the scenario's prices or discounts (a price file, a discount file) change how a provider's model is priced;
    /// null when they are those in force. Asked once per provider and model of the range: only the records it names and
    /// those a map moves are repriced; the others cost what they cost.
    /// </summary>
    public Func<string, string, bool>? PricesChangedFor { get; init; }

    /// <summary>The provider a call made through <paramref name="provider"/> is priced on.</summary>
    public string ProviderFor(string provider) => ProviderMap.GetValueOrDefault(provider) ?? provider;

    /// <summary>The model a call made on <paramref name="model"/> is priced as.</summary>
    public string ModelFor(string model) => ModelMap.GetValueOrDefault(model) ?? model;

    /// <summary>
    /// Nothing changes at all: every record is repriced under the prices in force, the check that the ledger's own
    /// costs are reproduced.
    /// </summary>
    public bool RepricesEveryRecord => PricesChangedFor is null && ModelMap.Count == 0 && ProviderMap.Count == 0;
}
