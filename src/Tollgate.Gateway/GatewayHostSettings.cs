using Microsoft.Extensions.Logging;
using Tollgate.Pricing;
using Tollgate.Routing;

namespace Tollgate.Gateway;

/// <summary>What a host application (the CLI, tests) can hand the gateway besides its options.</summary>
public sealed class GatewayHostSettings
{
    /// <summary>The clock for windows, holds and timestamps; tests pass a fake.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Reads environment variables (provider keys); tests pass their own.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Minimum log level for the gateway's own messages (Kestrel's and ASP.NET's are kept at Warning).</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Overrides the pricing engine (default: the built-in catalog).</summary>
    public CostEngine? Pricing { get; init; }

    /// <summary>Replaces the HTTP handler every provider call goes through (tests that simulate network faults).</summary>
    public HttpMessageHandler? UpstreamHandler { get; init; }

    /// <summary>
    /// How the core router scores candidates (the <c>routing</c> section of tollgate.json). The gateway's default keeps
    /// the requested model (cheapest healthy provider for it): a client that names a model gets that model unless
    /// <c>routing.allowSubstitution</c> is set.
    /// </summary>
    public RoutingOptions Routing { get; init; } = new() { AllowSubstitution = false };

    /// <summary>
    /// Retries and fallbacks (<c>routing.retry</c>). The gateway's default is one try per provider, then the next
    /// provider: the client has its own retries, and waiting on a failing provider only adds latency.
    /// </summary>
    public FallbackOptions Fallback { get; init; } = new() { MaxAttemptsPerCandidate = 1 };

    /// <summary>Circuit breaker and health window (<c>routing.health</c>).</summary>
    public HealthOptions Health { get; init; } = new();

    /// <summary>Model capabilities for routing (default: the built-in file with context windows from the price catalog).</summary>
    public CapabilityCatalog? Capabilities { get; init; }

    /// <summary>Also receives every log message the gateway writes (tests that check what is logged).</summary>
    public Microsoft.Extensions.Logging.ILoggerProvider? LogSink { get; init; }
}
