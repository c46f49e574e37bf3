using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tollgate.Tests.Alerts;

/// <summary>A real HTTP/1.1 receiver on 127.0.0.1:0 that records request bodies and answers with scripted status codes.</summary>
internal sealed class LoopbackHttpReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<int> _statuses;
    private readonly Task _loop;

    public LoopbackHttpReceiver(params int[] statuses)
    {
        _statuses = new ConcurrentQueue<int>(statuses);
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/hook");

    public ConcurrentQueue<string> Bodies { get; } = new();

    public int Requests;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new List<byte>();
            var chunk = new byte[4096];
            int headerEnd;
            while ((headerEnd = IndexOf(buffer, "\r\n\r\n"u8.ToArray())) < 0)
            {
                var n = await stream.ReadAsync(chunk);
                if (n == 0)
                {
                    return;
                }

                buffer.AddRange(chunk.AsSpan(0, n).ToArray());
            }

            var headers = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray());
            var length = headers.Split("\r\n").Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)).Select(h => int.Parse(h["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
            while (buffer.Count < headerEnd + 4 + length)
            {
                var n = await stream.ReadAsync(chunk);
                if (n == 0)
                {
                    break;
                }

                buffer.AddRange(chunk.AsSpan(0, n).ToArray());
            }

            Bodies.Enqueue(Encoding.UTF8.GetString(buffer.GetRange(headerEnd + 4, length).ToArray()));
            Interlocked.Increment(ref Requests);
            var status = _statuses.TryDequeue(out var s) ? s : 200;
            var response = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            await stream.WriteAsync(response);
        }
    }

    private static int IndexOf(List<byte> haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Count - needle.Length; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++)
            {
                match = haystack[i + j] == needle[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
