using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tollgate.Gateway.Tests.Infrastructure;

/// <summary>
/// A provider on 127.0.0.1 whose every answer is written by the test (hang before headers, stall between chunks,
/// answer 429 with Retry-After…). It records the model of every request it received.
/// </summary>
public sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedUpstream(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public Uri OpenAiBase => new(Address, "v1");

    /// <summary>The model named by each request received, in order.</summary>
    public ConcurrentQueue<string> Models { get; } = new();

    public int RequestCount => Models.Count;

    /// <summary>Starts a provider that answers with <paramref name="answer"/>(context, model).</summary>
    public static async Task<ScriptedUpstream> StartAsync(Func<HttpContext, string, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        ScriptedUpstream? self = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            using var doc = JsonDocument.Parse(body.Length > 0 ? body : "{}");
            var model = doc.RootElement.TryGetProperty("model", out var m) ? m.GetString() ?? "" : "";
            self!.Models.Enqueue(model);
            try
            {
                await answer(context, model);
            }
            catch (OperationCanceledException)
            {
                // The gateway gave up on us: that is what the hanging scripts are for.
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new ScriptedUpstream(app, new Uri(address + "/"));
        return self;
    }

    /// <summary>An OpenAI chat completion with usage 1200 in / 300 out.</summary>
    public static Task OkJsonAsync(HttpContext context, string model)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync($$$"""{"id":"c1","object":"chat.completion","created":1700000000,"model":"{{{model}}}","choices":[{"index":0,"message":{"role":"assistant","content":"fine"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500}}""");
    }

    /// <summary>Writes one SSE <c>data:</c> event and flushes it.</summary>
    public static async Task EventAsync(HttpContext context, string json)
    {
        await context.Response.WriteAsync($"data: {json}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>An OpenAI chat chunk carrying <paramref name="text"/>.</summary>
    public static string Chunk(string model, string text) =>
        $$$"""{"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"{{{model}}}","choices":[{"index":0,"delta":{"content":{{{JsonSerializer.Serialize(text)}}}},"finish_reason":null}]}""";

    public async ValueTask DisposeAsync()
    {
        // Hanging answers are cut after a second rather than waited for.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
