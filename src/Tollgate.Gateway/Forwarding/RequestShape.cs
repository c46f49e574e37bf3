using System.Text.Json;
using Tollgate.Metering;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The request shape of one door's wire dialect — OpenAI chat completions, Responses, embeddings; Anthropic messages
/// and count_tokens: the fields it reads with their kinds and ranges, what the prompt's elements are, what is required.
/// <see cref="RequestInspector"/> applies it during its one pass, so a request the provider would refuse is refused
/// here (400 naming the field) before anything is held, sent or recorded. Fields not listed are passed on unchecked:
/// providers add fields, and OpenAI-compatible ones take extensions.
/// </summary>
internal sealed class RequestShape
{
    /// <summary>The largest output limit accepted: beyond it no model exists, and sums with the prompt stay far from overflow.</summary>
    public const long MaxOutputTokens = int.MaxValue;

    private static readonly JsonKinds OptionalString = JsonKinds.String | JsonKinds.Null;
    private static readonly JsonKinds OptionalNumber = JsonKinds.Number | JsonKinds.Null;
    private static readonly JsonKinds OptionalInteger = JsonKinds.Integer | JsonKinds.Null;
    private static readonly JsonKinds OptionalBoolean = JsonKinds.Boolean | JsonKinds.Null;
    private static readonly JsonKinds OptionalObject = JsonKinds.Object | JsonKinds.Null;
    private static readonly JsonKinds OptionalArray = JsonKinds.Array | JsonKinds.Null;

    /// <summary>No rules: only the inspector's own checks (used where the door is not known).</summary>
    public static readonly RequestShape Any = new("request", [], promptField: null, promptElements: JsonKinds.None, roles: null);

    /// <summary><c>POST /v1/chat/completions</c> (OpenAI).</summary>
    public static readonly RequestShape Chat = new("chat completions request",
    [
        new("model", JsonKinds.String),
        new("messages", JsonKinds.Array),
        new("temperature", OptionalNumber, 0, 2),
        new("top_p", OptionalNumber, 0, 1),
        new("n", OptionalInteger, 1, OutputBound.MaxChoices),
        new("stream", OptionalBoolean),
        new("stream_options", OptionalObject),
        new("max_tokens", OptionalInteger, 0, MaxOutputTokens),
        new("max_completion_tokens", OptionalInteger, 0, MaxOutputTokens),
        new("presence_penalty", OptionalNumber, -2, 2),
        new("frequency_penalty", OptionalNumber, -2, 2),
        new("logit_bias", OptionalObject),
        new("logprobs", OptionalBoolean),
        new("top_logprobs", OptionalInteger, 0, 20),
        new("stop", OptionalString | JsonKinds.Array, elements: JsonKinds.String),
        new("seed", OptionalInteger),
        new("user", OptionalString),
        new("tools", OptionalArray, elements: JsonKinds.Object),
        new("functions", OptionalArray, elements: JsonKinds.Object),
        new("tool_choice", OptionalString | JsonKinds.Object),
        new("function_call", OptionalString | JsonKinds.Object),
        new("parallel_tool_calls", OptionalBoolean),
        new("response_format", OptionalObject),
        new("metadata", OptionalObject),
        new("store", OptionalBoolean),
        new("modalities", OptionalArray, elements: JsonKinds.String),
        new("service_tier", OptionalString),
        new("reasoning_effort", OptionalString),
        new("prediction", OptionalObject),
        new("audio", OptionalObject),
    ], promptField: "messages", promptElements: JsonKinds.Object, roles: ["system", "developer", "user", "assistant", "tool", "function"]);

    /// <summary><c>POST /v1/responses</c> (OpenAI).</summary>
    public static readonly RequestShape Responses = new("responses request",
    [
        new("model", JsonKinds.String),
        new("input", JsonKinds.String | JsonKinds.Array, elements: JsonKinds.Object),
        new("instructions", OptionalString),
        new("max_output_tokens", OptionalInteger, 1, MaxOutputTokens),
        new("temperature", OptionalNumber, 0, 2),
        new("top_p", OptionalNumber, 0, 1),
        new("stream", OptionalBoolean),
        new("tools", OptionalArray, elements: JsonKinds.Object),
        new("tool_choice", OptionalString | JsonKinds.Object),
        new("parallel_tool_calls", OptionalBoolean),
        new("previous_response_id", OptionalString),
        new("store", OptionalBoolean),
        new("metadata", OptionalObject),
        new("reasoning", OptionalObject),
        new("text", OptionalObject),
        new("truncation", OptionalString),
        new("user", OptionalString),
        new("include", OptionalArray, elements: JsonKinds.String),
        new("background", OptionalBoolean),
        new("service_tier", OptionalString),
    ], promptField: "input", promptElements: JsonKinds.Object, roles: null);

    /// <summary><c>POST /v1/embeddings</c> (OpenAI): input is a string, or strings, or token arrays.</summary>
    public static readonly RequestShape Embeddings = new("embeddings request",
    [
        new("model", JsonKinds.String),
        new("input", JsonKinds.String | JsonKinds.Array),
        new("encoding_format", OptionalString),
        new("dimensions", OptionalInteger, 1, 1_000_000),
        new("user", OptionalString),
    ], promptField: "input", promptElements: JsonKinds.String | JsonKinds.Integer | JsonKinds.Array, roles: null);

    /// <summary><c>POST /v1/messages</c> (Anthropic).</summary>
    public static readonly RequestShape Messages = new("messages request",
    [
        new("model", JsonKinds.String),
        new("messages", JsonKinds.Array),
        new("max_tokens", JsonKinds.Integer, 1, MaxOutputTokens),
        new("system", JsonKinds.String | JsonKinds.Array, elements: JsonKinds.Object),
        new("temperature", JsonKinds.Number, 0, 1),
        new("top_p", JsonKinds.Number, 0, 1),
        new("top_k", JsonKinds.Integer, 0),
        new("stop_sequences", JsonKinds.Array, elements: JsonKinds.String),
        new("stream", JsonKinds.Boolean),
        new("tools", JsonKinds.Array, elements: JsonKinds.Object),
        new("tool_choice", JsonKinds.Object),
        new("metadata", JsonKinds.Object),
        new("thinking", JsonKinds.Object),
        new("service_tier", JsonKinds.String),
    ], promptField: "messages", promptElements: JsonKinds.Object, roles: ["user", "assistant"], anthropic: true);

    /// <summary><c>POST /v1/messages/count_tokens</c> (Anthropic): the messages request without output settings.</summary>
    public static readonly RequestShape CountTokens = new("count_tokens request",
    [
        new("model", JsonKinds.String),
        new("messages", JsonKinds.Array),
        new("system", JsonKinds.String | JsonKinds.Array, elements: JsonKinds.Object),
        new("tools", JsonKinds.Array, elements: JsonKinds.Object),
        new("tool_choice", JsonKinds.Object),
        new("thinking", JsonKinds.Object),
    ], promptField: "messages", promptElements: JsonKinds.Object, roles: ["user", "assistant"], anthropic: true);

    private readonly FieldRule[] _fields;
    private readonly string[]? _roles;

    private RequestShape(string what, FieldRule[] fields, string? promptField, JsonKinds promptElements, string[]? roles, bool anthropic = false)
    {
        What = what;
        _fields = fields;
        PromptField = promptField;
        PromptFieldUtf8 = promptField is null ? [] : System.Text.Encoding.UTF8.GetBytes(promptField);
        PromptElements = promptElements;
        _roles = roles;
        Anthropic = anthropic;
    }

    /// <summary>"chat completions request", for messages.</summary>
    public string What { get; }

    /// <summary>The field that carries the prompt (required), or null.</summary>
    public string? PromptField { get; }

    /// <summary><see cref="PromptField"/> in UTF-8 (empty when none), compared with the names the inspector reads.</summary>
    public byte[] PromptFieldUtf8 { get; }

    /// <summary>The kinds the prompt array's elements take.</summary>
    public JsonKinds PromptElements { get; }

    /// <summary>Anthropic's dialect: <c>content</c> is required in a message; <c>max_tokens</c> is required.</summary>
    public bool Anthropic { get; }

    /// <summary>Whether messages (objects of the prompt array) are checked for a role and content.</summary>
    public bool ChecksMessages => _roles is not null;

    /// <summary>The rule of a top-level field, or null when the door does not check it.</summary>
    public FieldRule? Find(ReadOnlySpan<byte> name)
    {
        foreach (var rule in _fields)
        {
            if (rule.Utf8Name.Length == name.Length && name.SequenceEqual(rule.Utf8Name))
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads one message object of the prompt array to its end: <c>role</c> a known string, <c>content</c> a string,
    /// an array (or null where the dialect allows it).
    /// </summary>
    public RequestProblem? CheckMessage(ref Utf8JsonReader reader, int index)
    {
        var field = PromptField ?? "messages";
        var depth = reader.CurrentDepth;
        var hasRole = false;
        var hasContent = false;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            var isRole = reader.ValueTextEquals("role"u8);
            var isContent = !isRole && reader.ValueTextEquals("content"u8);
            reader.Read();
            if (isRole)
            {
                hasRole = true;
                if (reader.TokenType != JsonTokenType.String || !KnownRole(ref reader))
                {
                    var hint = Anthropic && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("system"u8)
                        ? ": put system instructions in the top-level \"system\" field"
                        : "";
                    return new RequestProblem($"\"{field}[{index}].role\" must be one of {string.Join(", ", _roles!)}{hint}", $"{field}[{index}].role");
                }
            }
            else if (isContent)
            {
                hasContent = true;
                var allowed = Anthropic ? JsonKinds.String | JsonKinds.Array : JsonKinds.String | JsonKinds.Array | JsonKinds.Null;
                if (!JsonKindsText.Accepts(allowed, ref reader))
                {
                    return new RequestProblem($"\"{field}[{index}].content\" must be {JsonKindsText.Describe(allowed)}, not {JsonKindsText.Found(reader.TokenType)}", $"{field}[{index}].content");
                }
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        if (!hasRole)
        {
            return new RequestProblem($"\"{field}[{index}].role\" is missing: each message is {{\"role\": \"user\", \"content\": \"…\"}}", $"{field}[{index}].role");
        }

        return Anthropic && !hasContent
            ? new RequestProblem($"\"{field}[{index}].content\" is missing: each message is {{\"role\": \"user\", \"content\": \"…\"}}", $"{field}[{index}].content")
            : null;
    }

    /// <summary>What the door requires, once the whole body was read (the fields' own values were checked on the way).</summary>
    public RequestProblem? CheckRequired(in RequestInfo info, bool sawMaxTokens)
    {
        if (ReferenceEquals(this, Any))
        {
            return null;
        }

        if (string.IsNullOrEmpty(info.Model))
        {
            return new RequestProblem("\"model\" is missing: name the model to call, e.g. \"gpt-4o-mini\" (GET /v1/models lists them)", "model", "missing_model");
        }

        if (ModelProblem(info.Model) is { } model)
        {
            return model;
        }

        if (PromptField is { } prompt && info.PromptStart < 0)
        {
            return prompt == "messages"
                ? new RequestProblem("\"messages\" is missing: send the conversation as an array of {\"role\", \"content\"} objects", "messages", "missing_messages")
                : new RequestProblem($"\"input\" is missing: send the {(ReferenceEquals(this, Embeddings) ? "text to embed" : "prompt")} as a string or an array", "input", "missing_input");
        }

        if (ReferenceEquals(this, Messages) && !sawMaxTokens)
        {
            return new RequestProblem("\"max_tokens\" is missing: Anthropic's messages API needs the most output tokens to generate, e.g. \"max_tokens\": 1024", "max_tokens", "missing_max_tokens");
        }

        if (ReferenceEquals(this, Chat) && info.StreamOptionsStart >= 0 && info.StreamOptionsLength > 0 && !info.Stream && !info.StreamOptionsNull)
        {
            return new RequestProblem("\"stream_options\" is only allowed with \"stream\": true: remove it or stream the answer", "stream_options");
        }

        return ReferenceEquals(this, Embeddings) && info.Stream
            ? new RequestProblem("embeddings cannot be streamed: remove \"stream\"", "stream")
            : null;
    }

    /// <summary>A model name that names nothing: empty after a provider prefix, or with control characters.</summary>
    public static RequestProblem? ModelProblem(string model)
    {
        if (model.Length > 256)
        {
            return new RequestProblem("\"model\" is longer than 256 characters: name a model GET /v1/models lists", "model", "model_not_found");
        }

        foreach (var c in model)
        {
            if (char.IsControl(c))
            {
                return new RequestProblem("\"model\" has a control character: name a model GET /v1/models lists", "model");
            }
        }

        var slash = model.IndexOf('/', StringComparison.Ordinal);
        if (model.Trim().Length == 0 || slash == 0 || slash == model.Length - 1)
        {
            return new RequestProblem($"\"model\" '{model}' names no model: use 'model' or 'provider/model', e.g. 'openai/gpt-4o-mini' (GET /v1/models lists them)", "model");
        }

        return null;
    }

    private bool KnownRole(ref Utf8JsonReader reader)
    {
        foreach (var role in _roles!)
        {
            if (reader.ValueTextEquals(role))
            {
                return true;
            }
        }

        return false;
    }
}
