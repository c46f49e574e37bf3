namespace Tollgate.Routing;

/// <summary>
/// The run-time switches an operator sets on providers: which providers and models are enabled and which
/// provider is preferred per <see cref="GenerationType"/>. Absent entries mean "enabled" / "no preference".
/// </summary>
public sealed record ProviderState
{
    public static ProviderState Empty { get; } = new();

    /// <summary>Explicit provider switches, by lower-case provider name.</summary>
    public IReadOnlyDictionary<string, bool> Providers { get; init; } = new Dictionary<string, bool>(StringComparer.Ordinal);

    /// <summary>Explicit model switches.</summary>
    public IReadOnlyDictionary<ProviderModelKey, bool> Models { get; init; } = new Dictionary<ProviderModelKey, bool>();

    /// <summary>The preferred provider per generation type.</summary>
    public IReadOnlyDictionary<GenerationType, string> Preferred { get; init; } = new Dictionary<GenerationType, string>();

    public bool IsProviderEnabled(string provider) =>
        !Providers.TryGetValue(provider.ToLowerInvariant(), out var enabled) || enabled;

    /// <summary>True when both the provider and the model are enabled.</summary>
    public bool IsModelEnabled(string provider, string model) =>
        IsProviderEnabled(provider) && (!Models.TryGetValue(new ProviderModelKey(provider, model), out var enabled) || enabled);

    public string? PreferredFor(GenerationType type) => Preferred.TryGetValue(type, out var provider) ? provider : null;
}
