using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tollgate.Gateway.Tests.Infrastructure;

/// <summary>A webhook receiver on 127.0.0.1: records every POSTed body (and when it came); can hang to play a dead channel.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private WebhookReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>When set, every request waits this long (until the caller gives up) before being answered.</summary>
    public TimeSpan Hang { get; set; }

    public ConcurrentQueue<(TimeSpan At, string Body)> Received { get; } = new();

    /// <summary>Requests that arrived (also those still hanging).</summary>
    public int Arrived => _arrived;

    private int _arrived;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        WebhookReceiver? self = null;
        app.MapPost("/hook", async context =>
        {
            Interlocked.Increment(ref self!._arrived);
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            if (self.Hang > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(self.Hang, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            self.Received.Enqueue((self._clock.Elapsed, body));
            context.Response.StatusCode = 200;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new WebhookReceiver(app, new Uri(address + "/hook"));
        return self;
    }

    /// <summary>Waits until a body satisfies <paramref name="match"/>; returns it, or null after <paramref name="timeout"/>.</summary>
    public async Task<string?> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < timeout)
        {
            if (Received.FirstOrDefault(r => match(r.Body)) is { Body: { } body })
            {
                return body;
            }

            await Task.Delay(100);
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
