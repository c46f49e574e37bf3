namespace Tollgate.Gateway.Configuration;

/// <summary>One provider in configuration: <c>{"name": "openai", "baseUrl": "http://127.0.0.1:18080/v1", "apiKeyEnv": "OPENAI_API_KEY"}</c>.</summary>
public sealed class ProviderEndpointOptions
{
    /// <summary>The catalog provider id (<c>openai</c>, <c>anthropic</c>, <c>google</c>, …).</summary>
    public string Name { get; set; } = "";

    /// <summary>Base URL; the provider's public URL when omitted.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Environment variable holding the API key (default: the provider's usual one, e.g. OPENAI_API_KEY).</summary>
    public string? ApiKeyEnv { get; set; }

    /// <summary>The API key itself (prefer <see cref="ApiKeyEnv"/>: config files leak).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Start even when the key variable is unset (a local upstream that needs no key).</summary>
    public bool AllowMissingKey { get; set; }

    /// <summary>Wire format when the provider id does not imply one: <c>openai</c>, <c>anthropic</c> or <c>gemini</c>.</summary>
    public string? Format { get; set; }

    /// <summary>Models this provider serves beyond the catalog's (exact names).</summary>
    public List<string> Models { get; set; } = [];

    public bool Enabled { get; set; } = true;

    // The settings below are the providers area's (docs/providers.md); the CLI and the gateway read one tollgate.json.

    /// <summary>Backup provider name tried when this one fails.</summary>
    public string? Backup { get; set; }

    /// <summary>Azure OpenAI <c>api-version</c>.</summary>
    public string? ApiVersion { get; set; }

    /// <summary>Azure OpenAI deployments by model name.</summary>
    public Dictionary<string, string> Deployments { get; set; } = [];

    /// <summary>Model names to send upstream, by the name clients use.</summary>
    public Dictionary<string, string> ModelNames { get; set; } = [];

    /// <summary>Extra request headers sent upstream.</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary>Time to first byte: seconds until the response headers arrive.</summary>
    public double? TimeoutSeconds { get; set; }

    /// <summary>Seconds allowed to open the connection.</summary>
    public double? ConnectTimeoutSeconds { get; set; }

    /// <summary>Longest silence, in seconds, between two chunks of the response body.</summary>
    public double? IdleTimeoutSeconds { get; set; }

    /// <summary>Longest a whole call may take, in seconds.</summary>
    public double? TotalTimeoutSeconds { get; set; }

    public int? DefaultMaxTokens { get; set; }

    /// <summary>The catalog provider id to price with, when it differs from <see cref="Name"/>.</summary>
    public string? PricingProvider { get; set; }
}
