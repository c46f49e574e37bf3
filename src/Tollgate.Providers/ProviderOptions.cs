namespace Tollgate.Providers;

/// <summary>
/// One configured provider endpoint. Start from <see cref="ProviderPresets"/> and override what differs
/// (base URL for proxies, Azure endpoints and tests; the key's environment variable; model names).
/// The key is only ever sent in a header; it never appears in logs, exceptions or error bodies.
/// </summary>
public sealed class ProviderOptions
{
    /// <summary>Lower-case provider name (<c>openai</c>, <c>anthropic</c>, <c>google</c>, <c>azure</c>, …).</summary>
    public required string Name { get; set; }

    public ProviderApi Api { get; set; } = ProviderApi.OpenAICompatible;

    /// <summary>Base URL: for OpenAI-compatible APIs it includes the version path (<c>https://api.openai.com/v1</c>).</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The key itself, from configuration; prefer <see cref="ApiKeyEnvironmentVariable"/>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Environment variable holding the key (<c>OPENAI_API_KEY</c>, …).</summary>
    public string? ApiKeyEnvironmentVariable { get; set; }

    /// <summary>False for local servers (Ollama, vLLM) that need no key.</summary>
    public bool RequiresApiKey { get; set; } = true;

    /// <summary>Azure <c>api-version</c>, or the <c>anthropic-version</c> header value.</summary>
    public string? ApiVersion { get; set; }

    /// <summary>Azure: model name → deployment name (the model name is used when absent).</summary>
    public IDictionary<string, string> Deployments { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Model name → the name this provider knows it by (e.g. <c>gpt-4o</c> → <c>openai/gpt-4o</c> on OpenRouter).</summary>
    public IDictionary<string, string> ModelNames { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Extra headers sent on every request (e.g. OpenRouter's <c>HTTP-Referer</c>).</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Time allowed until the response headers arrive (time to first byte; a stream's body may take longer).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Time allowed to open the connection (TCP and TLS); nothing has been sent when it expires.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest silence allowed between two chunks of the response body (JSON or event stream).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Longest a whole call may take, headers and body, streams included.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>max_tokens</c> sent to APIs that require one (Anthropic) when the request has none.</summary>
    public int DefaultMaxTokens { get; set; } = 4096;

    /// <summary>The genai-prices provider id used to price this provider's usage; null when unpriced (local models).</summary>
    public string? PricingProviderId { get; set; }

    /// <summary>The provider to fall back to when this one fails.</summary>
    public string? Backup { get; set; }

    /// <summary>Models this provider serves (used by routing and <c>providers list</c>).</summary>
    public IList<string> Models { get; } = [];

    /// <summary>Why this provider cannot be called for want of a key (<c>no API key: set GROQ_API_KEY</c>); null when it has one or needs none.</summary>
    public string? MissingKeyReason(Func<string, string?>? environment = null) =>
        RequiresApiKey && ResolveApiKey(environment) is null
            ? ApiKeyEnvironmentVariable is { } variable ? $"no API key: set {variable}" : "no API key configured"
            : null;

    /// <summary>The key from configuration or the environment; null when none is set.</summary>
    public string? ResolveApiKey(Func<string, string?>? environment = null)
    {
        if (!string.IsNullOrEmpty(ApiKey))
        {
            return ApiKey;
        }

        if (string.IsNullOrEmpty(ApiKeyEnvironmentVariable))
        {
            return null;
        }

        var value = (environment ?? Environment.GetEnvironmentVariable)(ApiKeyEnvironmentVariable);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>The name the provider knows <paramref name="model"/> by.</summary>
    public string UpstreamModel(string model) => ModelNames.TryGetValue(model, out var mapped) ? mapped : model;

    /// <summary>Throws <see cref="ArgumentException"/> saying which setting to fix.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("a provider needs a name");
        }

        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttp && BaseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException(Api == ProviderApi.AzureOpenAI
                ? $"provider '{Name}' needs its baseUrl (the Azure resource endpoint, e.g. https://NAME.openai.azure.com)"
                : $"provider '{Name}' needs an absolute http(s) baseUrl");
        }

        if (Api == ProviderApi.AzureOpenAI && string.IsNullOrWhiteSpace(ApiVersion))
        {
            throw new ArgumentException($"provider '{Name}' (Azure OpenAI) needs an apiVersion, e.g. 2024-10-21");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"provider '{Name}' needs a positive timeout");
        }

        if (ConnectTimeout <= TimeSpan.Zero || IdleTimeout <= TimeSpan.Zero || TotalTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"provider '{Name}' needs positive connect, idle and total timeouts");
        }

        if (DefaultMaxTokens < 1)
        {
            throw new ArgumentException($"provider '{Name}' needs defaultMaxTokens of at least 1");
        }
    }

    public ProviderOptions Clone()
    {
        var copy = new ProviderOptions
        {
            Name = Name,
            Api = Api,
            BaseUrl = BaseUrl,
            ApiKey = ApiKey,
            ApiKeyEnvironmentVariable = ApiKeyEnvironmentVariable,
            RequiresApiKey = RequiresApiKey,
            ApiVersion = ApiVersion,
            Timeout = Timeout,
            ConnectTimeout = ConnectTimeout,
            IdleTimeout = IdleTimeout,
            TotalTimeout = TotalTimeout,
            DefaultMaxTokens = DefaultMaxTokens,
            PricingProviderId = PricingProviderId,
            Backup = Backup,
        };
        foreach (var (k, v) in Deployments) copy.Deployments[k] = v;
        foreach (var (k, v) in ModelNames) copy.ModelNames[k] = v;
        foreach (var (k, v) in Headers) copy.Headers[k] = v;
        foreach (var m in Models) copy.Models.Add(m);
        return copy;
    }

    /// <summary>Never prints the key.</summary>
    public override string ToString() => $"{Name} ({Api}, {BaseUrl})";
}
