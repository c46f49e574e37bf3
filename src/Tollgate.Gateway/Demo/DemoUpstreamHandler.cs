using System.Net;
using System.Text;
using System.Text.Json;

namespace Tollgate.Gateway.Demo;

/// <summary>
/// The built-in simulated provider of <c>tollgate serve --demo</c>: answers OpenAI chat completions (JSON and SSE,
/// with a usage block) and embeddings in process, with latency like a real provider (time to first token, then a
/// chunk every few tens of milliseconds), so keys, costs, budgets and reports can be tried without any API key.
/// Its calls are priced at the catalog's OpenAI prices for the model named.
/// </summary>
internal sealed class DemoUpstreamHandler(TimeProvider time) : HttpMessageHandler
{
    public const string Host = "demo.tollgate.invalid";

    public static readonly string[] Models = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1-nano", "text-embedding-3-small"];

    private static readonly string[] Words =
        ("Tollgate prices every call at the catalog price in force, holds the worst case against each budget before " +
         "forwarding, and settles the hold with the usage the provider reported. This answer comes from the built-in " +
         "demo provider, so no real model was called and no money was spent.").Split(' ');

    public TimeSpan FirstTokenDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan ChunkDelay { get; init; } = TimeSpan.FromMilliseconds(25);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var model = root.TryGetProperty("model", out var m) ? m.GetString() ?? "gpt-4o-mini" : "gpt-4o-mini";
        var inputTokens = Math.Max(1, body.Length / 4);
        var path = request.RequestUri!.AbsolutePath;
        if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(40), time, cancellationToken);
            return Json($$$"""{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0123,-0.0456,0.0789]}],"model":"{{{model}}}","usage":{"prompt_tokens":{{{inputTokens}}},"total_tokens":{{{inputTokens}}}}}""");
        }

        var maxTokens = root.TryGetProperty("max_tokens", out var mt) && mt.TryGetInt32(out var mtv) ? mtv
            : root.TryGetProperty("max_completion_tokens", out var mct) && mct.TryGetInt32(out var mctv) ? mctv : 48;
        var count = Math.Clamp(maxTokens, 1, Words.Length);
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var id = "chatcmpl-demo" + Guid.NewGuid().ToString("N")[..12];
        if (!stream)
        {
            await Task.Delay(FirstTokenDelay + (ChunkDelay * count / 4), time, cancellationToken);
            var text = string.Join(' ', Words.Take(count));
            return Json($$$"""{"id":"{{{id}}}","object":"chat.completion","created":{{{time.GetUtcNow().ToUnixTimeSeconds()}}},"model":"{{{model}}}","choices":[{"index":0,"message":{"role":"assistant","content":{{{JsonSerializer.Serialize(text)}}}},"finish_reason":"{{{(count < Words.Length ? "length" : "stop")}}}"}],"usage":{"prompt_tokens":{{{inputTokens}}},"completion_tokens":{{{count}}},"total_tokens":{{{inputTokens + count}}}}}""");
        }

        var includeUsage = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object &&
                           so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new DemoStream(this, id, model, count, inputTokens, includeUsage, cancellationToken)),
        };
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/event-stream");
        return response;
    }

    private static HttpResponseMessage Json(string json) => new(HttpStatusCode.OK)
    {
        Content = new StringContent(json, Encoding.UTF8, "application/json"),
    };

    /// <summary>Produces the SSE body lazily, one chunk per read, with the simulated delays.</summary>
    private sealed class DemoStream(DemoUpstreamHandler owner, string id, string model, int count, int inputTokens, bool includeUsage, CancellationToken cancellationToken) : Stream
    {
        private readonly Queue<byte[]> _ready = new();
        private int _next = -1;
        private bool _finished;
        private ReadOnlyMemory<byte> _current;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token = default)
        {
            if (_current.IsEmpty)
            {
                if (_ready.Count == 0 && !await ProduceAsync(token))
                {
                    return 0;
                }

                _current = _ready.Dequeue();
            }

            var n = Math.Min(buffer.Length, _current.Length);
            _current[..n].CopyTo(buffer);
            _current = _current[n..];
            return n;
        }

        private async Task<bool> ProduceAsync(CancellationToken token)
        {
            if (_finished)
            {
                return false;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, cancellationToken);
            var created = owner.TimeNow();
            if (_next < 0)
            {
                await Task.Delay(owner.FirstTokenDelay, owner.Time, linked.Token);
                Add($$$"""{"id":"{{{id}}}","object":"chat.completion.chunk","created":{{{created}}},"model":"{{{model}}}","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""");
                _next = 0;
                return true;
            }

            if (_next < count)
            {
                await Task.Delay(owner.ChunkDelay, owner.Time, linked.Token);
                var word = (_next == 0 ? "" : " ") + Words[_next];
                Add($$$"""{"id":"{{{id}}}","object":"chat.completion.chunk","created":{{{created}}},"model":"{{{model}}}","choices":[{"index":0,"delta":{"content":{{{JsonSerializer.Serialize(word)}}}},"finish_reason":null}]}""");
                _next++;
                return true;
            }

            Add($$$"""{"id":"{{{id}}}","object":"chat.completion.chunk","created":{{{created}}},"model":"{{{model}}}","choices":[{"index":0,"delta":{},"finish_reason":"{{{(count < Words.Length ? "length" : "stop")}}}"}]}""");
            if (includeUsage)
            {
                Add($$$"""{"id":"{{{id}}}","object":"chat.completion.chunk","created":{{{created}}},"model":"{{{model}}}","choices":[],"usage":{"prompt_tokens":{{{inputTokens}}},"completion_tokens":{{{count}}},"total_tokens":{{{inputTokens + count}}}}}""");
            }

            _ready.Enqueue("data: [DONE]\n\n"u8.ToArray());
            _finished = true;
            return true;
        }

        private void Add(string json) => _ready.Enqueue(Encoding.UTF8.GetBytes("data: " + json + "\n\n"));

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read the demo stream asynchronously");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    internal TimeProvider Time => time;

    internal long TimeNow() => time.GetUtcNow().ToUnixTimeSeconds();
}
