namespace Tollgate.Routing;

/// <summary>What routing knows about a configured provider (no endpoint or key: those belong to the adapters).</summary>
public sealed record ProviderDescriptor
{
    /// <summary>Lower-case provider name used everywhere (<c>openai</c>, <c>anthropic</c>, <c>azure</c>, …).</summary>
    public required string Name { get; init; }

    /// <summary>The catalog (genai-prices) provider id used for pricing; null when the provider is not priced (e.g. local Ollama).</summary>
    public string? PricingProviderId { get; init; }

    /// <summary>The provider to fall back to when this one fails; null for none.</summary>
    public string? Backup { get; init; }

    /// <summary>Models this provider serves (from configuration and the capabilities file).</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Why calls cannot be made (e.g. no API key configured); null when the provider can be called.</summary>
    public string? UnavailableReason { get; init; }

    /// <summary>The generation types this provider serves.</summary>
    public IReadOnlyList<GenerationType> Supports { get; init; } = [GenerationType.Chat];
}
