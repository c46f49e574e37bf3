using Tollgate.Costing;

namespace Tollgate.Pricing;

/// <summary>
/// The outcome of resolving a provider + model reference against a <see cref="PriceCatalog"/>. Resolve once and keep
/// it: <see cref="ComputeCost"/> then prices a call without allocating. When <see cref="Found"/> is false the model
/// is unpriced (never $0): <see cref="Reason"/> says why and <see cref="Hints"/> lists the closest known model ids.
/// </summary>
public sealed class ModelLookup
{
    private ModelLookup(bool found, string providerReference, string modelReference)
    {
        Found = found;
        ProviderReference = providerReference;
        ModelReference = modelReference;
    }

    public bool Found { get; }

    /// <summary>The provider reference as given.</summary>
    public string ProviderReference { get; }

    /// <summary>The model reference as given.</summary>
    public string ModelReference { get; }

    /// <summary>The catalog provider the reference resolved to; null when the provider is unknown.</summary>
    public CatalogProvider? Provider { get; private init; }

    /// <summary>The matched model; null when unpriced.</summary>
    public CatalogModel? Model { get; private init; }

    /// <summary>The provider whose model list held the match (differs from <see cref="Provider"/> via fallback_model_providers).</summary>
    public string? ModelProviderId { get; private init; }

    /// <summary>Where the price came from (<c>builtin</c>, <c>override:PATH</c>, …); null when unpriced.</summary>
    public string? PriceSource => Model?.Source;

    /// <summary>Maximum input tokens of the matched model, when known.</summary>
    public long? ContextWindow => Model?.ContextWindow;

    /// <summary>Why the model is unpriced, with the closest known ids; null when found.</summary>
    public string? Reason => _reason?.Value;

    /// <summary>The closest known model ids (for an unpriced reference); computed on first use.</summary>
    public IReadOnlyList<string> Hints => _hints?.Value ?? [];

    // Hints cost an edit-distance scan of the provider's models: computed only when someone reads them.
    private Lazy<IReadOnlyList<string>>? _hints;
    private Lazy<string>? _reason;

    /// <summary>The price set in force at <paramref name="timestamp"/>; null when unpriced.</summary>
    public ModelPrice? PriceAt(DateTimeOffset timestamp) => Model?.Prices.At(timestamp);

    /// <summary>Cost of a call at <paramref name="timestamp"/> in USD before discounts; allocates nothing. Unpriced → <c>Priced = false</c>.</summary>
    public CallCost ComputeCost(Usage usage, DateTimeOffset timestamp) =>
        Model is null ? default : Model.Prices.At(timestamp).ComputeCost(usage);

    internal static ModelLookup Resolved(string providerReference, string modelReference, CatalogProvider provider, CatalogModel model, string modelProviderId) =>
        new(true, providerReference, modelReference) { Provider = provider, Model = model, ModelProviderId = modelProviderId };

    internal static ModelLookup Unpriced(string providerReference, string modelReference, CatalogProvider? provider, string reason) =>
        new(false, providerReference, modelReference) { Provider = provider, _reason = new Lazy<string>(reason), _hints = new Lazy<IReadOnlyList<string>>(() => []) };

    internal static ModelLookup Unpriced(string providerReference, string modelReference, CatalogProvider provider, Func<IReadOnlyList<string>> hints, Func<IReadOnlyList<string>, string> reason)
    {
        var lazyHints = new Lazy<IReadOnlyList<string>>(hints);
        return new(false, providerReference, modelReference)
        {
            Provider = provider,
            _hints = lazyHints,
            _reason = new Lazy<string>(() => reason(lazyHints.Value)),
        };
    }
}
