namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// One provider the gateway can forward to: its catalog id, wire format, base URL, the credential it sends, and
/// the models it serves (exact names). Holds no connection state: connections are pooled by <see cref="UpstreamClient"/>.
/// </summary>
internal sealed class UpstreamEndpoint
{
    public UpstreamEndpoint(string name, WireFormat format, Uri baseUri, string? apiKey, string source)
    {
        Name = name;
        Format = format;
        var text = baseUri.ToString().TrimEnd('/');
        BaseUri = new Uri(text + "/");
        ApiKey = apiKey;
        Source = source;
        ChatCompletionsUri = new Uri(text + "/chat/completions");
        EmbeddingsUri = new Uri(text + "/embeddings");
        MessagesUri = new Uri(text + "/messages");
        AuthorizationValue = apiKey is null ? null : "Bearer " + apiKey;
    }

    /// <summary>The catalog provider id (used for pricing and routing).</summary>
    public string Name { get; }

    public WireFormat Format { get; }

    public Uri BaseUri { get; }

    public Uri ChatCompletionsUri { get; }

    public Uri EmbeddingsUri { get; }

    public Uri MessagesUri { get; }

    internal string? ApiKey { get; }

    internal string? AuthorizationValue { get; }

    /// <summary>Where it came from: <c>config</c>, <c>env:OPENAI_API_KEY</c>, <c>demo</c>.</summary>
    public string Source { get; }

    /// <summary>Models served beyond the catalog's list for this provider.</summary>
    public HashSet<string> ExtraModels { get; } = new(StringComparer.Ordinal);

    /// <summary>The pooled client this endpoint's calls go through (the demo provider has its own in-process one).</summary>
    public required HttpMessageInvoker Invoker { get; init; }

    /// <summary>True for the built-in simulated provider.</summary>
    public bool IsDemo { get; init; }

    /// <summary>Which catalog provider prices this endpoint's calls (the demo provider is priced as OpenAI).</summary>
    public string PricingProvider { get; init; } = "";

    public string PricedAs => PricingProvider.Length > 0 ? PricingProvider : Name;

    public override string ToString() => $"{Name} ({Format}, {BaseUri})";
}
