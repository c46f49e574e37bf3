using System.Diagnostics;
using System.Net;

namespace Tollgate.Gateway.Forwarding;

/// <summary>The one pooled HTTP client every provider call goes through (<see cref="SocketsHttpHandler"/>, no cookies, no proxy, no redirects).</summary>
internal sealed class UpstreamClient : IDisposable
{
    public UpstreamClient(HttpMessageHandler handler)
    {
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>The pooled handler: HTTP/1.1 keep-alive pool per provider, no proxy, cookies or redirects.</summary>
    public static SocketsHttpHandler CreateHandler(bool propagateTraceContext = false) =>
        new()
        {
            // traceparent is only worth its per-request cost when traces are exported.
            ActivityHeadersPropagator = propagateTraceContext ? DistributedContextPropagator.Current : null,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            MaxConnectionsPerServer = int.MaxValue,
            // Each provider's own connect timeout is applied by the callback; this only caps it.
            ConnectTimeout = TimeSpan.FromMinutes(5),
            ConnectCallback = Tollgate.Providers.Timeouts.UpstreamConnect.ConnectAsync,
            EnableMultipleHttp2Connections = true,
        };

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();
}
