namespace Tollgate.Providers;

/// <summary>Why a provider call did not succeed.</summary>
public enum ProviderFailureKind
{
    /// <summary>429.</summary>
    RateLimited,

    /// <summary>5xx (and 408, 529 overloaded).</summary>
    ServerError,

    /// <summary>No response headers within the provider's timeout.</summary>
    Timeout,

    /// <summary>The provider could not be reached (DNS, refused, reset before a response).</summary>
    Network,

    /// <summary>401/403: the key is missing or wrong.</summary>
    Unauthorized,

    /// <summary>Another 4xx: the request itself is wrong; retrying will not help.</summary>
    ClientError,

    /// <summary>A stream ended before the provider finished it.</summary>
    StreamInterrupted,

    /// <summary>No API key is configured for the provider.</summary>
    MissingApiKey,
}

/// <summary>A provider call's failure, with a message that never contains the API key.</summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="StatusCode">Upstream HTTP status; 0 when no response arrived.</param>
/// <param name="Message">Redacted, truncated description.</param>
/// <param name="RetryAfter">The provider's Retry-After, when given.</param>
public sealed record ProviderFailure(ProviderFailureKind Kind, int StatusCode, string Message, TimeSpan? RetryAfter = null)
{
    /// <summary>
    /// True when the whole request had been sent before the failure (a timeout waiting for the answer): the provider
    /// may have worked on it, so it may be billed.
    /// </summary>
    public bool RequestSent { get; init; }

    /// <summary>Rate limits, server errors, timeouts and network failures may succeed on another try.</summary>
    public bool IsRetryable => Kind is ProviderFailureKind.RateLimited or ProviderFailureKind.ServerError or ProviderFailureKind.Timeout or ProviderFailureKind.Network;

    public static ProviderFailureKind KindOf(int statusCode) => statusCode switch
    {
        429 => ProviderFailureKind.RateLimited,
        401 or 403 => ProviderFailureKind.Unauthorized,
        408 or >= 500 => ProviderFailureKind.ServerError,
        _ => ProviderFailureKind.ClientError,
    };
}
