namespace Tollgate.Routing;

/// <summary>A model as offered by one provider (<c>openai</c> / <c>gpt-4o</c>). Names compare ordinally, case-insensitively.</summary>
public readonly record struct ProviderModelKey
{
    public ProviderModelKey(string provider, string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        Provider = provider.ToLowerInvariant();
        Model = model;
    }

    public string Provider { get; }

    public string Model { get; }

    public bool Equals(ProviderModelKey other) =>
        string.Equals(Provider, other.Provider, StringComparison.Ordinal) &&
        string.Equals(Model, other.Model, StringComparison.OrdinalIgnoreCase);

    public override int GetHashCode() => HashCode.Combine(Provider, StringComparer.OrdinalIgnoreCase.GetHashCode(Model));

    public override string ToString() => $"{Provider}/{Model}";
}
