using System.Net.Sockets;

namespace Tollgate.Providers.Timeouts;

/// <summary>
/// The connect step of the shared <see cref="SocketsHttpHandler"/> with a per-provider limit: the request carries its
/// provider's connect timeout in <see cref="HttpRequestMessage.Options"/> (one pooled handler serves every provider).
/// </summary>
public static class UpstreamConnect
{
    /// <summary>The request option holding the connect timeout.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> TimeoutKey = new("tollgate.connect_timeout");

    /// <summary>Used when a request names none.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Marks <paramref name="request"/> with its provider's connect timeout.</summary>
    public static void Limit(HttpRequestMessage request, TimeSpan timeout) => request.Options.Set(TimeoutKey, timeout);

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/>: TCP connect within the request's limit.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var limit = context.InitialRequestMessage.Options.TryGetValue(TimeoutKey, out var configured) ? configured : DefaultTimeout;
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(limit);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, timer.Token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"could not connect to {context.DnsEndPoint.Host}:{context.DnsEndPoint.Port} within {limit.TotalSeconds:0.###} s (connect timeout)");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
