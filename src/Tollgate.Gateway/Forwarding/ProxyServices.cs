using Microsoft.Extensions.Logging;
using Tollgate.Gateway.Observability;

namespace Tollgate.Gateway.Forwarding;

/// <summary>What every stage of the proxy walk shares: routing, accounting, metrics, the clock, the log and the secret scrubber.</summary>
internal sealed class ProxyServices(GatewayRouter router, CallAccounting accounting, GatewayMetrics metrics, TimeProvider time, SecretScrubber secrets, ILogger<ProxyHandler> logger)
{
    public GatewayRouter Router => router;

    public CallAccounting Accounting => accounting;

    public GatewayMetrics Metrics => metrics;

    public TimeProvider Time => time;

    public ILogger<ProxyHandler> Logger => logger;

    /// <summary>The configured provider secrets, removed from every provider answer before it reaches the client.</summary>
    public SecretScrubber Secrets => secrets;
}
