using System.Net;
using System.Text;
using System.Text.Json;

namespace Tollgate.Gateway.Demo;

/// <summary>
/// The built-in simulated provider of <c>tollgate serve --demo</c>, speaking the providers' real wire formats in
/// process: OpenAI chat completions (JSON and SSE, usage in the last chunk when <c>stream_options.include_usage</c>)
/// and embeddings (one vector per input at the model's dimension, floats or base64), and Anthropic messages (JSON and
/// SSE events with usage in <c>message_start</c> and <c>message_delta</c>), and the Responses API (JSON and SSE events
/// ending with <c>response.completed</c> and its usage). Latency is like a real provider's (time to
/// first token, then a chunk every few tens of milliseconds), so keys, costs, budgets and reports can be tried, with
/// the official SDKs, without any API key. Calls are priced at the catalog's prices for the model named.
/// </summary>
internal sealed class DemoUpstreamHandler(TimeProvider time) : HttpMessageHandler
{
    public const string Host = "demo.tollgate.invalid";

    /// <summary>OpenAI models the demo serves (its provider <c>demo</c>, priced as openai).</summary>
    public static readonly string[] Models = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1-nano", "text-embedding-3-small", "text-embedding-3-large"];

    /// <summary>Anthropic models the demo serves (its provider <c>demo-anthropic</c>, priced as anthropic).</summary>
    public static readonly string[] AnthropicModels = ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5"];

    private static readonly string[] Words =
        ("Tollgate prices every call at the catalog price in force, holds the worst case against each budget before " +
         "forwarding, and settles the hold with the usage the provider reported. This answer comes from the built-in " +
         "demo provider, so no real model was called and no money was spent.").Split(' ');

    public TimeSpan FirstTokenDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan ChunkDelay { get; init; } = TimeSpan.FromMilliseconds(25);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        using var document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
        var root = document.RootElement;
        var model = root.TryGetProperty("model", out var m) ? m.GetString() ?? "gpt-4o-mini" : "gpt-4o-mini";
        var inputTokens = Math.Max(1, body.Length / 4);
        var path = request.RequestUri!.AbsolutePath;
        if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(40), time, cancellationToken);
            return Json(DemoEmbeddings.Response(root, model));
        }

        var maxTokens = root.TryGetProperty("max_tokens", out var mt) && mt.TryGetInt32(out var mtv) ? mtv
            : root.TryGetProperty("max_completion_tokens", out var mct) && mct.TryGetInt32(out var mctv) ? mctv : 48;
        var count = Math.Clamp(maxTokens, 1, Words.Length);
        var stop = count < Words.Length;
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (path.EndsWith("/responses", StringComparison.Ordinal))
        {
            var outputLimit = root.TryGetProperty("max_output_tokens", out var mo) && mo.TryGetInt32(out var mov) ? mov : 48;
            var words = Math.Clamp(outputLimit, 1, Words.Length);
            return stream ? ResponsesStream(model, words, words < Words.Length, inputTokens, cancellationToken) : await ResponsesJsonAsync(model, words, words < Words.Length, inputTokens, cancellationToken);
        }

        if (path.EndsWith("/messages", StringComparison.Ordinal))
        {
            return stream ? AnthropicStream(model, count, stop, inputTokens, cancellationToken) : await AnthropicJsonAsync(model, count, stop, inputTokens, cancellationToken);
        }

        var id = "chatcmpl-demo" + Guid.NewGuid().ToString("N")[..12];
        if (!stream)
        {
            await Task.Delay(FirstTokenDelay + (ChunkDelay * count / 4), time, cancellationToken);
            var text = string.Join(' ', Words.Take(count));
            return Json($$$"""{"id":"{{{id}}}","object":"chat.completion","created":{{{time.GetUtcNow().ToUnixTimeSeconds()}}},"model":"{{{model}}}","choices":[{"index":0,"message":{"role":"assistant","content":{{{JsonSerializer.Serialize(text)}}}},"finish_reason":"{{{(stop ? "length" : "stop")}}}"}],"usage":{"prompt_tokens":{{{inputTokens}}},"completion_tokens":{{{count}}},"total_tokens":{{{inputTokens + count}}}}}""");
        }

        var includeUsage = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object &&
                           so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        string Chunk(string choices, string extra = "") => $$$"""data: {"id":"{{{id}}}","object":"chat.completion.chunk","created":{{{created}}},"model":"{{{model}}}","choices":{{{choices}}}{{{extra}}}}""" + "\n\n";
        return Sse(step => step switch
        {
            0 => (FirstTokenDelay, [Chunk("""[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]""")]),
            _ when step <= count => (ChunkDelay, [Chunk($$$"""[{"index":0,"delta":{"content":{{{JsonSerializer.Serialize((step == 1 ? "" : " ") + Words[step - 1])}}}},"finish_reason":null}]""")]),
            _ when step == count + 1 => (TimeSpan.Zero,
            [
                Chunk($$$"""[{"index":0,"delta":{},"finish_reason":"{{{(stop ? "length" : "stop")}}}"}]"""),
                .. includeUsage ? [Chunk("[]", $$$""","usage":{"prompt_tokens":{{{inputTokens}}},"completion_tokens":{{{count}}},"total_tokens":{{{inputTokens + count}}}}""")] : Array.Empty<string>(),
                "data: [DONE]\n\n",
            ]),
            _ => null,
        }, cancellationToken);
    }

    private async Task<HttpResponseMessage> AnthropicJsonAsync(string model, int count, bool stop, int inputTokens, CancellationToken cancellationToken)
    {
        await Task.Delay(FirstTokenDelay + (ChunkDelay * count / 4), time, cancellationToken);
        var text = string.Join(' ', Words.Take(count));
        return Json($$$"""{"id":"msg_demo{{{Guid.NewGuid().ToString("N")[..20]}}}","type":"message","role":"assistant","model":"{{{model}}}","content":[{"type":"text","text":{{{JsonSerializer.Serialize(text)}}}}],"stop_reason":"{{{(stop ? "max_tokens" : "end_turn")}}}","stop_sequence":null,"usage":{"input_tokens":{{{inputTokens}}},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":{{{count}}}}}""");
    }

    private HttpResponseMessage AnthropicStream(string model, int count, bool stop, int inputTokens, CancellationToken cancellationToken)
    {
        var id = "msg_demo" + Guid.NewGuid().ToString("N")[..20];
        static string Event(string name, string json) => $"event: {name}\ndata: {json}\n\n";
        return Sse(step => step switch
        {
            0 => (FirstTokenDelay,
            [
                Event("message_start", $$$"""{"type":"message_start","message":{"id":"{{{id}}}","type":"message","role":"assistant","model":"{{{model}}}","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":{{{inputTokens}}},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1} } }"""),
                Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
                Event("ping", """{"type": "ping"}"""),
            ]),
            _ when step <= count => (ChunkDelay, [Event("content_block_delta", $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":{{{JsonSerializer.Serialize((step == 1 ? "" : " ") + Words[step - 1])}}}}}""")]),
            _ when step == count + 1 => (TimeSpan.Zero,
            [
                Event("content_block_stop", """{"type":"content_block_stop","index":0}"""),
                Event("message_delta", $$$"""{"type":"message_delta","delta":{"stop_reason":"{{{(stop ? "max_tokens" : "end_turn")}}}","stop_sequence":null},"usage":{"output_tokens":{{{count}}}}}"""),
                Event("message_stop", """{"type":"message_stop"}"""),
            ]),
            _ => null,
        }, cancellationToken);
    }

    private async Task<HttpResponseMessage> ResponsesJsonAsync(string model, int count, bool stop, int inputTokens, CancellationToken cancellationToken)
    {
        await Task.Delay(FirstTokenDelay + (ChunkDelay * count / 4), time, cancellationToken);
        var id = "resp_demo" + Guid.NewGuid().ToString("N")[..24];
        return Json(ResponseObject(id, "msg_" + id[5..], model, string.Join(' ', Words.Take(count)), stop ? "incomplete" : "completed", inputTokens, count));
    }

    /// <summary>A Responses API stream: created, the message item and its text part, one delta a word, then the closing events and <c>response.completed</c> (or <c>response.incomplete</c> at <c>max_output_tokens</c>) with the usage.</summary>
    private HttpResponseMessage ResponsesStream(string model, int count, bool stop, int inputTokens, CancellationToken cancellationToken)
    {
        var id = "resp_demo" + Guid.NewGuid().ToString("N")[..24];
        var itemId = "msg_" + id[5..];
        var text = string.Join(' ', Words.Take(count));
        var sequence = 0;
        string Event(string name, string fields) => $"event: {name}\ndata: {{\"type\":\"{name}\",\"sequence_number\":{sequence++},{fields}}}\n\n";
        var item = $$$"""{"type":"message","id":"{{{itemId}}}","status":"in_progress","role":"assistant","content":[]}""";
        var part = """{"type":"output_text","text":"","annotations":[]}""";
        var status = stop ? "incomplete" : "completed";
        return Sse(step => step switch
        {
            0 => (FirstTokenDelay,
            [
                Event("response.created", $"\"response\":{ResponseObject(id, itemId, model, null, "in_progress", inputTokens, 0)}"),
                Event("response.in_progress", $"\"response\":{ResponseObject(id, itemId, model, null, "in_progress", inputTokens, 0)}"),
                Event("response.output_item.added", $"\"output_index\":0,\"item\":{item}"),
                Event("response.content_part.added", $"\"item_id\":\"{itemId}\",\"output_index\":0,\"content_index\":0,\"part\":{part}"),
            ]),
            _ when step <= count => (ChunkDelay, [Event("response.output_text.delta", $"\"item_id\":\"{itemId}\",\"output_index\":0,\"content_index\":0,\"delta\":{JsonSerializer.Serialize((step == 1 ? "" : " ") + Words[step - 1])}")]),
            _ when step == count + 1 => (TimeSpan.Zero,
            [
                Event("response.output_text.done", $"\"item_id\":\"{itemId}\",\"output_index\":0,\"content_index\":0,\"text\":{JsonSerializer.Serialize(text)}"),
                Event("response.content_part.done", $"\"item_id\":\"{itemId}\",\"output_index\":0,\"content_index\":0,\"part\":{{\"type\":\"output_text\",\"text\":{JsonSerializer.Serialize(text)},\"annotations\":[]}}"),
                Event("response.output_item.done", $"\"output_index\":0,\"item\":{MessageItem(itemId, text, status)}"),
                Event("response." + status, $"\"response\":{ResponseObject(id, itemId, model, text, status, inputTokens, count)}"),
            ]),
            _ => null,
        }, cancellationToken);
    }

    private string ResponseObject(string id, string itemId, string model, string? text, string status, int inputTokens, int outputTokens)
    {
        var output = text is null ? "[]" : "[" + MessageItem(itemId, text, status) + "]";
        var incomplete = status == "incomplete" ? """{"reason":"max_output_tokens"}""" : "null";
        var usage = status == "in_progress" ? "null"
            : $$$"""{"input_tokens":{{{inputTokens}}},"input_tokens_details":{"cached_tokens":0},"output_tokens":{{{outputTokens}}},"output_tokens_details":{"reasoning_tokens":0},"total_tokens":{{{inputTokens + outputTokens}}}}""";
        return $$$"""{"id":"{{{id}}}","object":"response","created_at":{{{time.GetUtcNow().ToUnixTimeSeconds()}}},"status":"{{{status}}}","incomplete_details":{{{incomplete}}},"model":"{{{model}}}","output":{{{output}}},"usage":{{{usage}}}}""";
    }

    private static string MessageItem(string itemId, string text, string status) =>
        $$$"""{"type":"message","id":"{{{itemId}}}","status":"{{{status}}}","role":"assistant","content":[{"type":"output_text","text":{{{JsonSerializer.Serialize(text)}}},"annotations":[]}]}""";

    private HttpResponseMessage Sse(Func<int, (TimeSpan, string[])?> step, CancellationToken cancellationToken)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new DemoStream(time, step, cancellationToken)) };
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/event-stream");
        return response;
    }

    private static HttpResponseMessage Json(string json) => new(HttpStatusCode.OK)
    {
        Content = new StringContent(json, Encoding.UTF8, "application/json"),
    };
}
