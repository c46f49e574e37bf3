using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tollgate.Providers;

/// <summary>
/// An OpenAI chat-completions request body (the canonical form) plus what routing and estimation need from it.
/// The body is kept as received: OpenAI-compatible providers get the same bytes, never re-serialised,
/// unless the model is changed (<see cref="WithModel"/>) or stream usage has to be switched on.
/// </summary>
public sealed class ChatRequest
{
    private ChatRequest(ReadOnlyMemory<byte> body)
    {
        Body = body;
    }

    /// <summary>The OpenAI-format JSON body.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    public string Model { get; private init; } = "";

    public bool Stream { get; private init; }

    /// <summary>The client set <c>stream_options.include_usage</c>.</summary>
    public bool StreamIncludesUsage { get; private init; }

    /// <summary>True when a <c>stream_options</c> object is present (the body then cannot be spliced).</summary>
    internal bool HasStreamOptions { get; private init; }

    /// <summary><c>max_completion_tokens</c>, else <c>max_tokens</c>; null when unset.</summary>
    public int? MaxOutputTokens { get; private init; }

    /// <summary>Some message has an <c>image_url</c> part.</summary>
    public bool UsesImages { get; private init; }

    /// <summary>The request declares tools.</summary>
    public bool UsesTools { get; private init; }

    /// <summary><c>response_format</c> is <c>json_schema</c> or <c>json_object</c>.</summary>
    public bool UsesJsonOutput { get; private init; }

    public int MessageCount { get; private init; }

    /// <summary>Parses an OpenAI chat-completions body; false with a message saying what to fix when it is not one.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> body, out ChatRequest? request, out string? error)
    {
        request = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the request body must be a JSON object";
                return false;
            }

            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(model.GetString()))
            {
                error = "the request needs a \"model\" string";
                return false;
            }

            if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                error = "the request needs a \"messages\" array";
                return false;
            }

            var usesImages = false;
            foreach (var message in messages.EnumerateArray())
            {
                if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
                {
                    foreach (var part in content.EnumerateArray())
                    {
                        if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var type) && type.ValueEquals("image_url"u8))
                        {
                            usesImages = true;
                        }
                    }
                }
            }

            var hasStreamOptions = root.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind == JsonValueKind.Object;
            request = new ChatRequest(body)
            {
                Model = model.GetString()!,
                Stream = root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True,
                HasStreamOptions = hasStreamOptions,
                StreamIncludesUsage = hasStreamOptions && streamOptions.TryGetProperty("include_usage", out var include) && include.ValueKind == JsonValueKind.True,
                MaxOutputTokens = ReadInt(root, "max_completion_tokens") ?? ReadInt(root, "max_tokens"),
                UsesImages = usesImages,
                UsesTools = root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0,
                UsesJsonOutput = root.TryGetProperty("response_format", out var format) && format.ValueKind == JsonValueKind.Object &&
                    format.TryGetProperty("type", out var formatType) && (formatType.ValueEquals("json_schema"u8) || formatType.ValueEquals("json_object"u8)),
                MessageCount = messages.GetArrayLength(),
            };
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = $"the request body is not valid JSON: {ex.Message}";
            return false;
        }
    }

    /// <summary>Parses or throws <see cref="ArgumentException"/> (for callers that built the body themselves).</summary>
    public static ChatRequest Parse(ReadOnlyMemory<byte> body) =>
        TryParse(body, out var request, out var error) ? request! : throw new ArgumentException(error, nameof(body));

    public static ChatRequest Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>The same request for another model (re-serialises the body).</summary>
    public ChatRequest WithModel(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (string.Equals(model, Model, StringComparison.Ordinal))
        {
            return this;
        }

        var node = ParseNode();
        node["model"] = model;
        return Parse(JsonSerializer.SerializeToUtf8Bytes(node));
    }

    /// <summary>The body as a mutable tree (translators use it).</summary>
    internal JsonObject ParseNode() =>
        JsonNode.Parse(Body.Span) as JsonObject ?? throw new InvalidOperationException("the body is not a JSON object");

    /// <summary>
    /// The bytes to send to an OpenAI-compatible upstream: the body itself, except that a stream gets
    /// <c>stream_options.include_usage</c> so the provider reports usage (spliced in when possible).
    /// </summary>
    internal ReadOnlyMemory<byte> BodyForOpenAICompatible(string upstreamModel)
    {
        if (!string.Equals(upstreamModel, Model, StringComparison.Ordinal))
        {
            var node = ParseNode();
            node["model"] = upstreamModel;
            EnsureStreamUsage(node);
            return JsonSerializer.SerializeToUtf8Bytes(node);
        }

        if (!Stream || StreamIncludesUsage)
        {
            return Body;
        }

        if (HasStreamOptions)
        {
            var node = ParseNode();
            EnsureStreamUsage(node);
            return JsonSerializer.SerializeToUtf8Bytes(node);
        }

        // Splice after the opening brace: no parse, no re-serialisation.
        var span = Body.Span;
        var brace = span.IndexOf((byte)'{');
        var insert = "\"stream_options\":{\"include_usage\":true},"u8;
        var result = new byte[span.Length + insert.Length];
        span[..(brace + 1)].CopyTo(result);
        insert.CopyTo(result.AsSpan(brace + 1));
        span[(brace + 1)..].CopyTo(result.AsSpan(brace + 1 + insert.Length));
        return result;
    }

    private void EnsureStreamUsage(JsonObject node)
    {
        if (!Stream)
        {
            return;
        }

        if (node["stream_options"] is not JsonObject options)
        {
            node["stream_options"] = options = [];
        }

        options["include_usage"] = true;
    }

    private static int? ReadInt(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : null;
}
