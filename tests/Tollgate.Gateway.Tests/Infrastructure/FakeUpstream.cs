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
/// A fake provider on 127.0.0.1 (Kestrel, free port) speaking OpenAI (<c>/v1/chat/completions</c>, <c>/v1/embeddings</c>),
/// Anthropic (<c>/v1/messages</c>) and Gemini (<c>/v1beta/models/{model}:generateContent</c> / <c>:streamGenerateContent</c>),
/// JSON and SSE, with the usage the test sets. It records every request so tests can check what was forwarded.
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeUpstream(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public Uri OpenAiBase => new(Address, "v1");

    /// <summary>Anthropic and Gemini base URLs are the host, like their public ones; the adapters add the API paths.</summary>
    public Uri AnthropicBase => Address;

    public Uri GeminiBase => Address;

    /// <summary>Usage the next responses report.</summary>
    public long PromptTokens { get; set; } = 1200;

    public long CompletionTokens { get; set; } = 300;

    public long CachedTokens { get; set; }

    /// <summary>Content pieces of a streamed answer (one SSE chunk each).</summary>
    public string[] StreamPieces { get; set; } = ["Hello", " from", " the", " fake", " upstream", "."];

    /// <summary>When set, a stream stops (connection aborted) after this many content chunks, before usage.</summary>
    public int? CutStreamAfterChunks { get; set; }

    /// <summary>When set, every request is answered with this status and an OpenAI-style error.</summary>
    public int? FailWithStatus { get; set; }

    /// <summary>Delay before each stream chunk.</summary>
    public TimeSpan ChunkDelay { get; set; } = TimeSpan.Zero;

    /// <summary>When above 0, every n-th request is answered 503 (a flaky provider); the others as usual.</summary>
    public int FailEveryNth { get; set; }

    private long _served;

    /// <summary>When set, the OpenAI chat answers' <c>usage</c> object verbatim (e.g. malformed counts) instead of one built from the counts above.</summary>
    public string? UsageJson { get; set; }

    /// <summary>When set, every successful answer is this JSON body verbatim (a real provider body from the usage cases).</summary>
    public string? VerbatimBody { get; set; }

    /// <summary>When set, answers every request (after it is recorded) instead of the built-in provider behaviour.</summary>
    public Func<HttpContext, RecordedRequest, Task>? Answer { get; set; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int RequestCount => Requests.Count;

    public static async Task<FakeUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeUpstream? self = null;
        app.Run(context => self!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new FakeUpstream(app, new Uri(address + "/"));
        return self;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var recorded = new RecordedRequest(context.Request.Path + context.Request.QueryString, body, headers);
        Requests.Enqueue(recorded);
        if (Answer is { } answer)
        {
            await answer(context, recorded);
            return;
        }

        var failure = FailWithStatus;
        if (failure is null && FailEveryNth > 0 && Interlocked.Increment(ref _served) % FailEveryNth == 0)
        {
            failure = 503;
        }

        if (failure is { } status)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(context.Request.Path.Value!.EndsWith("/messages", StringComparison.Ordinal)
                ? $$$"""{"type":"error","error":{"type":"{{{(status == 529 ? "overloaded_error" : status == 429 ? "rate_limit_error" : "api_error")}}}","message":"fake upstream failure {{{status}}}"}}"""
                : $$$"""{"error":{"message":"fake upstream failure {{{status}}}","type":"server_error","param":null,"code":null}}""");
            return;
        }

        if (VerbatimBody is { } verbatim)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(verbatim);
            return;
        }

        var path = context.Request.Path.Value!;
        using var doc = body.Length > 0 ? JsonDocument.Parse(body) : JsonDocument.Parse("{}");
        var root = doc.RootElement;
        var model = root.TryGetProperty("model", out var m) ? m.GetString() : null;
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            var includeUsage = root.TryGetProperty("stream_options", out var so) && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
            await (stream ? OpenAiStreamAsync(context, model!, includeUsage) : OpenAiJsonAsync(context, model!));
        }
        else if (path.EndsWith("/responses", StringComparison.Ordinal))
        {
            await (stream ? ResponsesStreamAsync(context, model!) : ResponsesJsonAsync(context, model!));
        }
        else if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            await EmbeddingsAsync(context, root, model!);
        }
        else if (path.EndsWith("/messages", StringComparison.Ordinal))
        {
            await (stream ? AnthropicStreamAsync(context, model!) : AnthropicJsonAsync(context, model!));
        }
        else if (path.Contains(":streamGenerateContent", StringComparison.Ordinal))
        {
            await GeminiStreamAsync(context, ModelFromGeminiPath(path));
        }
        else if (path.Contains(":generateContent", StringComparison.Ordinal))
        {
            await GeminiJsonAsync(context, ModelFromGeminiPath(path));
        }
        else
        {
            context.Response.StatusCode = 404;
        }
    }

    /// <summary>One vector per input, as floats or (<c>encoding_format: base64</c>) little-endian float32 in base64, like OpenAI.</summary>
    private Task EmbeddingsAsync(HttpContext context, JsonElement root, string model)
    {
        var inputs = root.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Array ? input.GetArrayLength() : 1;
        var base64 = root.TryGetProperty("encoding_format", out var format) && format.GetString() == "base64";
        float[] vector = [0.1f, 0.2f, 0.3f];
        var data = string.Join(",", Enumerable.Range(0, inputs).Select(i =>
        {
            var embedding = base64
                ? JsonSerializer.Serialize(Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan())))
                : "[0.1,0.2,0.3]";
            return $$$"""{"object":"embedding","index":{{{i}}},"embedding":{{{embedding}}}}""";
        }));
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync($$$"""{"object":"list","data":[{{{data}}}],"model":"{{{model}}}","usage":{"prompt_tokens":{{{PromptTokens}}},"total_tokens":{{{PromptTokens}}}}}""");
    }

    private static string ModelFromGeminiPath(string path)
    {
        var start = path.IndexOf("/models/", StringComparison.Ordinal) + "/models/".Length;
        return path[start..path.IndexOf(':', start)];
    }

    private string DefaultUsage => $$$"""{"prompt_tokens":{{{PromptTokens}}},"completion_tokens":{{{CompletionTokens}}},"total_tokens":{{{PromptTokens + CompletionTokens}}},"prompt_tokens_details":{"cached_tokens":{{{CachedTokens}}}},"completion_tokens_details":{"reasoning_tokens":0}}""";

    private string StreamUsage => $$$"""{"prompt_tokens":{{{PromptTokens}}},"completion_tokens":{{{CompletionTokens}}},"total_tokens":{{{PromptTokens + CompletionTokens}}},"prompt_tokens_details":{"cached_tokens":{{{CachedTokens}}}}}""";

    private string ResponsesUsage => $$$"""{"input_tokens":{{{PromptTokens}}},"input_tokens_details":{"cached_tokens":{{{CachedTokens}}}},"output_tokens":{{{CompletionTokens}}},"output_tokens_details":{"reasoning_tokens":0},"total_tokens":{{{PromptTokens + CompletionTokens}}}}""";

    private string ResponseObject(string model, string status, bool withOutput, string usage)
    {
        var text = JsonSerializer.Serialize(string.Concat(StreamPieces));
        var output = withOutput ? $$$"""[{"type":"message","id":"msg_fake","status":"completed","role":"assistant","content":[{"type":"output_text","text":{{{text}}},"annotations":[]}]}]""" : "[]";
        return $$$"""{"id":"resp_fake","object":"response","created_at":1700000000,"status":"{{{status}}}","model":"{{{model}}}","output":{{{output}}},"usage":{{{usage}}}}""";
    }

    private Task ResponsesJsonAsync(HttpContext context, string model)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(ResponseObject(model, "completed", true, UsageJson ?? ResponsesUsage));
    }

    private async Task ResponsesStreamAsync(HttpContext context, string model)
    {
        context.Response.ContentType = "text/event-stream";
        var sequence = 0;
        await WriteEventAsync(context, $$$"""{"type":"response.created","sequence_number":{{{sequence++}}},"response":{{{ResponseObject(model, "in_progress", false, "null")}}}}""", "response.created");
        for (var i = 0; i < StreamPieces.Length; i++)
        {
            if (CutStreamAfterChunks is { } cut && i >= cut)
            {
                await Task.Delay(300, context.RequestAborted);
                context.Abort();
                return;
            }

            await WriteEventAsync(context, $$$"""{"type":"response.output_text.delta","sequence_number":{{{sequence++}}},"item_id":"msg_fake","output_index":0,"content_index":0,"delta":{{{JsonSerializer.Serialize(StreamPieces[i])}}}}""", "response.output_text.delta");
        }

        await WriteEventAsync(context, $$$"""{"type":"response.completed","sequence_number":{{{sequence}}},"response":{{{ResponseObject(model, "completed", true, UsageJson ?? ResponsesUsage)}}}}""", "response.completed");
    }

    private Task OpenAiJsonAsync(HttpContext context, string model)
    {
        context.Response.ContentType = "application/json";
        var text = JsonSerializer.Serialize(string.Concat(StreamPieces));
        return context.Response.WriteAsync($$$"""
            {"id":"chatcmpl-fake","object":"chat.completion","created":1700000000,"model":"{{{model}}}","choices":[{"index":0,"message":{"role":"assistant","content":{{{text}}}},"finish_reason":"stop"}],"usage":{{{UsageJson ?? DefaultUsage}}} }
            """);
    }

    private async Task OpenAiStreamAsync(HttpContext context, string model, bool includeUsage)
    {
        context.Response.ContentType = "text/event-stream";
        await WriteEventAsync(context, $$$"""{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1700000000,"model":"{{{model}}}","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""");
        for (var i = 0; i < StreamPieces.Length; i++)
        {
            if (CutStreamAfterChunks is { } cut && i >= cut)
            {
                // Let the gateway read what was sent before the connection drops.
                await Task.Delay(300, context.RequestAborted);
                context.Abort();
                return;
            }

            if (ChunkDelay > TimeSpan.Zero)
            {
                await Task.Delay(ChunkDelay, context.RequestAborted);
            }

            await WriteEventAsync(context, $$$"""{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1700000000,"model":"{{{model}}}","choices":[{"index":0,"delta":{"content":{{{JsonSerializer.Serialize(StreamPieces[i])}}}},"finish_reason":null}]}""");
        }

        await WriteEventAsync(context, $$$"""{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1700000000,"model":"{{{model}}}","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""");
        if (includeUsage)
        {
            await WriteEventAsync(context, $$$"""{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1700000000,"model":"{{{model}}}","choices":[],"usage":{{{UsageJson ?? StreamUsage}}} }""");
        }

        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    private Task AnthropicJsonAsync(HttpContext context, string model)
    {
        context.Response.ContentType = "application/json";
        var text = JsonSerializer.Serialize(string.Concat(StreamPieces));
        return context.Response.WriteAsync($$$"""
            {"id":"msg_fake","type":"message","role":"assistant","model":"{{{model}}}","content":[{"type":"text","text":{{{text}}}}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":{{{PromptTokens - CachedTokens}}},"cache_creation_input_tokens":0,"cache_read_input_tokens":{{{CachedTokens}}},"output_tokens":{{{CompletionTokens}}}}}
            """);
    }

    private async Task AnthropicStreamAsync(HttpContext context, string model)
    {
        context.Response.ContentType = "text/event-stream";
        await WriteEventAsync(context, $$$"""{"type":"message_start","message":{"id":"msg_fake","type":"message","role":"assistant","model":"{{{model}}}","content":[],"stop_reason":null,"usage":{"input_tokens":{{{PromptTokens - CachedTokens}}},"cache_creation_input_tokens":0,"cache_read_input_tokens":{{{CachedTokens}}},"output_tokens":1} } }""", "message_start");
        await WriteEventAsync(context, """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""", "content_block_start");
        for (var i = 0; i < StreamPieces.Length; i++)
        {
            if (CutStreamAfterChunks is { } cut && i >= cut)
            {
                // Let the gateway read what was sent before the connection drops.
                await Task.Delay(300, context.RequestAborted);
                context.Abort();
                return;
            }

            await WriteEventAsync(context, $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":{{{JsonSerializer.Serialize(StreamPieces[i])}}}}}""", "content_block_delta");
        }

        await WriteEventAsync(context, """{"type":"content_block_stop","index":0}""", "content_block_stop");
        await WriteEventAsync(context, $$$"""{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":{{{CompletionTokens}}}}}""", "message_delta");
        await WriteEventAsync(context, """{"type":"message_stop"}""", "message_stop");
    }

    private Task GeminiJsonAsync(HttpContext context, string model)
    {
        context.Response.ContentType = "application/json";
        var text = JsonSerializer.Serialize(string.Concat(StreamPieces));
        return context.Response.WriteAsync($$$"""
            {"candidates":[{"content":{"role":"model","parts":[{"text":{{{text}}}}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":{{{PromptTokens}}},"candidatesTokenCount":{{{CompletionTokens}}},"totalTokenCount":{{{PromptTokens + CompletionTokens}}},"cachedContentTokenCount":{{{CachedTokens}}}},"modelVersion":"{{{model}}}"}
            """);
    }

    private async Task GeminiStreamAsync(HttpContext context, string model)
    {
        context.Response.ContentType = "text/event-stream";
        for (var i = 0; i < StreamPieces.Length; i++)
        {
            if (CutStreamAfterChunks is { } cut && i >= cut)
            {
                // Let the gateway read what was sent before the connection drops.
                await Task.Delay(300, context.RequestAborted);
                context.Abort();
                return;
            }

            var last = i == StreamPieces.Length - 1;
            var usage = last
                ? $$$""","usageMetadata":{"promptTokenCount":{{{PromptTokens}}},"candidatesTokenCount":{{{CompletionTokens}}},"totalTokenCount":{{{PromptTokens + CompletionTokens}}}}"""
                : "";
            await WriteEventAsync(context, $$$"""{"candidates":[{"content":{"role":"model","parts":[{"text":{{{JsonSerializer.Serialize(StreamPieces[i])}}}}]}{{{(last ? ",\"finishReason\":\"STOP\"" : "")}}},"index":0}]{{{usage}}},"modelVersion":"{{{model}}}"}""");
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string json, string? eventName = null)
    {
        var text = eventName is null ? $"data: {json}\n\n" : $"event: {eventName}\ndata: {json}\n\n";
        await context.Response.WriteAsync(text, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request the fake upstream received.</summary>
public sealed record RecordedRequest(string Path, string Body, IReadOnlyDictionary<string, string> Headers);
