using Tollgate.Pricing;

namespace Tollgate.Reconciliation.Matching;

/// <summary>
/// One name per model for both sides, from the price catalog's own matching (exact ids plus the declared aliases and
/// dated snapshots: <c>gpt-4o-2024-08-06</c> → <c>gpt-4o</c>, <c>claude-sonnet-4-5-20250929</c> → <c>claude-sonnet-4-5</c>).
/// </summary>
public sealed class ModelNames(PriceCatalog catalog, string provider)
{
    /// <summary>The catalog's id for the model, or null when the catalog does not know it.</summary>
    public string? Canonical(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var lookup = catalog.Resolve(provider, model);
        return lookup.Found ? lookup.Model!.Id : null;
    }

    /// <summary>Why the model is unknown, with the closest known ids.</summary>
    public string Unknown(string model) => catalog.Resolve(provider, model).Reason ?? $"model '{model}' is not in the price catalog";

    /// <summary>The catalog's id, or the name as recorded when the catalog does not know it (a ledger's unpriced model).</summary>
    public string CanonicalOrSelf(string model) => Canonical(model) ?? model;

    public ModelLookup Lookup(string canonical) => catalog.Resolve(provider, canonical);
}
