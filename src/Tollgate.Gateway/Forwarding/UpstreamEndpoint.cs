using Tollgate.Metering;
using Tollgate.Pricing;
using Tollgate.Providers;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// One provider the gateway forwards to: its <see cref="ProviderOptions"/> (from <see cref="ProviderPresets"/> and
/// configuration), the adapter that translates OpenAI-format requests for non-OpenAI APIs, and the URIs the
/// byte-for-byte passthrough uses for OpenAI-compatible and Anthropic-native calls.
/// </summary>
internal sealed class UpstreamEndpoint
{
    public UpstreamEndpoint(ProviderOptions options, IProviderAdapter adapter, HttpMessageInvoker invoker, string source)
    {
        Options = options;
        Adapter = adapter;
        Invoker = invoker;
        Source = source;
        Format = options.Api switch
        {
            ProviderApi.Anthropic => WireFormat.Anthropic,
            ProviderApi.Gemini => WireFormat.Gemini,
            _ => WireFormat.OpenAI,
        };
        var text = options.BaseUrl!.ToString().TrimEnd('/');
        ChatCompletionsUri = new Uri(text + "/chat/completions");
        EmbeddingsUri = new Uri(text + "/embeddings");
        ResponsesUri = new Uri(text + "/responses");
        // Anthropic's base URL is the host (https://api.anthropic.com), as in the provider presets and adapters.
        MessagesUri = new Uri(text + (Format == WireFormat.Anthropic ? "/v1/messages" : "/messages"));
        ApiKey = options.ResolveApiKey();
        AuthorizationValue = ApiKey is null ? null : "Bearer " + ApiKey;
        ExtraModels = new HashSet<string>(options.Models, StringComparer.Ordinal);
    }

    public ProviderOptions Options { get; }

    /// <summary>The provider name (<c>openai</c>, <c>anthropic</c>, <c>demo</c>…).</summary>
    public string Name => Options.Name;

    public WireFormat Format { get; }

    /// <summary>True when OpenAI-format bodies go to this provider byte for byte (plain OpenAI-compatible APIs).</summary>
    public bool Passthrough => Options.Api == ProviderApi.OpenAICompatible;

    public Uri BaseUri => Options.BaseUrl!;

    public IProviderAdapter Adapter { get; }

    public HttpMessageInvoker Invoker { get; }

    public Uri ChatCompletionsUri { get; }

    public Uri EmbeddingsUri { get; }

    /// <summary>The OpenAI Responses API (<c>POST /v1/responses</c> is passed through to it).</summary>
    public Uri ResponsesUri { get; }

    public Uri MessagesUri { get; }

    internal string? ApiKey { get; }

    internal string? AuthorizationValue { get; }

    /// <summary>Where it came from: <c>config</c>, <c>key from OPENAI_API_KEY</c>, <c>demo</c>.</summary>
    public string Source { get; }

    /// <summary>Models served beyond the catalog's list for this provider (exact names).</summary>
    public HashSet<string> ExtraModels { get; }

    /// <summary>True for the built-in simulated provider.</summary>
    public bool IsDemo { get; init; }

    /// <summary>Which catalog provider prices this endpoint's calls.</summary>
    public string PricedAs => Options.PricingProviderId ?? Options.Name;

    /// <summary>
    /// This provider's usage fields for <paramref name="wire"/> under <paramref name="catalog"/> (the catalog's extractor
    /// for its pricing provider and API flavour), resolved once per catalog.
    /// </summary>
    public UsageDialect UsageDialect(PriceCatalog catalog, UsageWire wire)
    {
        var slot = (int)wire;
        if (_dialects[slot] is { } cached && ReferenceEquals(cached.Catalog, catalog))
        {
            return cached.Dialect;
        }

        var dialect = Metering.UsageDialect.For(catalog, PricedAs, wire);
        _dialects[slot] = new DialectEntry(catalog, dialect);
        return dialect;
    }

    private readonly DialectEntry?[] _dialects = new DialectEntry?[Enum.GetValues<UsageWire>().Length];

    private sealed record DialectEntry(PriceCatalog Catalog, UsageDialect Dialect);

    public override string ToString() => $"{Name} ({Format}, {BaseUri})";
}
