using Microsoft.Extensions.Logging;
using Tollgate.Pricing;

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
}
