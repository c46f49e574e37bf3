using System.Text.Json;
using System.Text.Unicode;
using Tollgate.Metering;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Reads the top-level fields of an OpenAI / Anthropic request body with <see cref="Utf8JsonReader"/>: model,
/// stream, stream_options, token limits, completions asked for and where the prompt is. It reads what the provider
/// reads: property names are compared unescaped (<c>"\u006dodel"</c> is <c>model</c>), a field that matters given
/// twice and a body that is not valid UTF-8 are refused — so the model held and billed is the model served.
/// Invalid JSON is reported as a message.
/// </summary>
internal static class RequestInspector
{
    /// <summary>Longest escaped property name compared (a known name unescapes to at most 21 bytes; an escape is at most 6).</summary>
    private const int MaxEscapedNameBytes = 256;

    [Flags]
    private enum Field
    {
        None = 0,
        Model = 1 << 0,
        Stream = 1 << 1,
        StreamOptions = 1 << 2,
        MaxTokens = 1 << 3,
        MaxCompletionTokens = 1 << 4,
        MaxOutputTokens = 1 << 5,
        Messages = 1 << 6,
        Input = 1 << 7,
        Contents = 1 << 8,
        Prompt = 1 << 9,
        System = 1 << 10,
        Tools = 1 << 11,
        Functions = 1 << 12,
        ResponseFormat = 1 << 13,
        Choices = 1 << 14,
        BestOf = 1 << 15,
        Temperature = 1 << 16,
        ToolChoice = 1 << 17,
        FunctionCall = 1 << 18,
        ParallelToolCalls = 1 << 19,
        Instructions = 1 << 20,
        Metadata = 1 << 21,
        User = 1 << 22,
    }

    /// <summary>Fills <paramref name="info"/>; returns null on success or a message saying what is wrong with the body.</summary>
    public static string? Inspect(ReadOnlySpan<byte> body, out RequestInfo info) => Inspect(body, RequestShape.Any, out info)?.Message;

    /// <summary>
    /// Fills <paramref name="info"/> and checks the body against the door's <paramref name="shape"/> in the same pass;
    /// returns null on success or what is wrong (message, field, code).
    /// </summary>
    public static RequestProblem? Inspect(ReadOnlySpan<byte> body, RequestShape shape, out RequestInfo info)
    {
        info = default;
        var seenFields = Field.None;
        info.StreamOptionsStart = -1;
        info.PromptStart = -1;
        info.SystemStart = -1;
        info.ToolsStart = -1;
        info.FunctionsStart = -1;
        if (body.IsEmpty)
        {
            return Json("the request body is empty: send a JSON object");
        }

        if (!Utf8.IsValid(body))
        {
            return Json("the request body is not valid UTF-8: send JSON encoded as UTF-8");
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Json("the request body must be a JSON object");
            }

            var seen = Field.None;
            seenFields = seen;
            Span<byte> unescaped = stackalloc byte[MaxEscapedNameBytes];
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    info.ObjectEnd = (int)reader.TokenStartIndex;
                    break;
                }

                // PropertyName at depth 1, compared unescaped: the provider reads "\u006dodel" as "model".
                scoped ReadOnlySpan<byte> name = reader.ValueSpan;
                if (reader.ValueIsEscaped)
                {
                    name = name.Length <= MaxEscapedNameBytes ? unescaped[..reader.CopyString(unescaped)] : default;
                }

                var field = FieldOf(name);
                if (field != Field.None)
                {
                    if ((seen & field) != 0)
                    {
                        return Json($"the request body has \"{System.Text.Encoding.UTF8.GetString(name)}\" more than once: send each field once (providers read only one of them, and which one differs)");
                    }

                    seen |= field;
                    seenFields = seen;
                }

                var memberStart = (int)reader.TokenStartIndex;
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                if (shape.Find(name) is { } rule)
                {
                    // The door's rule for this field, on the value the reader is on; arrays the walk below does not
                    // read element by element are checked on a copy of the reader (small fields: stop, include…).
                    var problem = rule.CheckValue(ref reader) ??
                        (field is Field.Messages or Field.Input or Field.Tools or Field.Functions ? null : rule.CheckElements(reader));
                    if (problem is not null)
                    {
                        return problem;
                    }
                }

                if (field is Field.None or Field.ToolChoice or Field.FunctionCall or Field.ParallelToolCalls)
                {
                    reader.Skip();
                }
                else if (field == Field.Temperature)
                {
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetSingle(out var temperature))
                    {
                        info.Temperature = temperature;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (field == Field.Model)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return new RequestProblem("\"model\" must be a string, e.g. \"gpt-4o-mini\"", "model");
                    }

                    try
                    {
                        info.Model = reader.GetString();
                    }
                    catch (InvalidOperationException)
                    {
                        return new RequestProblem("\"model\" has an invalid \\u escape (a lone surrogate): name a model GET /v1/models lists", "model");
                    }

                    info.ModelStart = start;
                    info.ModelLength = (int)reader.BytesConsumed - start;
                }
                else if (field == Field.Stream)
                {
                    if (reader.TokenType is JsonTokenType.True)
                    {
                        info.Stream = true;
                    }
                    else if (reader.TokenType is not (JsonTokenType.False or JsonTokenType.Null))
                    {
                        return new RequestProblem("\"stream\" must be true or false", "stream");
                    }
                }
                else if (field == Field.StreamOptions)
                {
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        var depth = reader.CurrentDepth;
                        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
                        {
                            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("include_usage"u8))
                            {
                                reader.Read();
                                info.IncludeUsage = reader.TokenType == JsonTokenType.True;
                            }
                            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                            {
                                reader.Skip();
                            }
                        }
                    }
                    else
                    {
                        info.StreamOptionsNull = reader.TokenType == JsonTokenType.Null;
                        reader.Skip();
                    }

                    info.StreamOptionsStart = start;
                    info.StreamOptionsLength = (int)reader.BytesConsumed - start;
                }
                else if (field is Field.MaxTokens or Field.MaxCompletionTokens or Field.MaxOutputTokens)
                {
                    if (reader.TokenType == JsonTokenType.Number)
                    {
                        if (!reader.TryGetInt64(out var max) || max < 0)
                        {
                            return FieldProblem(name, "must be a non-negative integer");
                        }

                        info.MaxOutputTokens = info.MaxOutputTokens is { } existing ? Math.Max(existing, max) : max;
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        return FieldProblem(name, "must be an integer");
                    }
                }
                else if (field == Field.Choices || field == Field.BestOf)
                {
                    if (reader.TokenType == JsonTokenType.Number)
                    {
                        if (!reader.TryGetInt32(out var choices) || choices < 1 || choices > OutputBound.MaxChoices)
                        {
                            return FieldProblem(name, $"must be an integer from 1 to {OutputBound.MaxChoices}");
                        }

                        info.Choices = Math.Max(info.Choices, choices);
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        return FieldProblem(name, "must be an integer");
                    }
                }
                else if (field is Field.Messages or Field.Input or Field.Contents or Field.Prompt)
                {
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        info.InputCount = 1;
                    }
                    else if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        // The door's prompt field: each element's kind (and each message's role and content) checked on the walk.
                        var prompt = name.SequenceEqual(shape.PromptFieldUtf8) ? shape : null;
                        var depth = reader.CurrentDepth;
                        var count = 0;
                        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth))
                        {
                            if (prompt is not null && !JsonKindsText.Accepts(prompt.PromptElements, ref reader))
                            {
                                return new RequestProblem($"\"{prompt.PromptField}[{count}]\" must be {JsonKindsText.Describe(prompt.PromptElements)}, not {JsonKindsText.Found(reader.TokenType)}", prompt.PromptField);
                            }

                            if (prompt is { ChecksMessages: true } && reader.TokenType == JsonTokenType.StartObject)
                            {
                                if (prompt.CheckMessage(ref reader, count) is { } messageProblem)
                                {
                                    return messageProblem;
                                }
                            }
                            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                            {
                                reader.Skip();
                            }

                            count++;
                        }

                        if (prompt is not null && count == 0)
                        {
                            return new RequestProblem($"\"{prompt.PromptField}\" is empty: send at least one {(prompt.ChecksMessages ? "message" : "element")}", prompt.PromptField);
                        }

                        info.InputCount = count;
                    }
                    else
                    {
                        reader.Skip();
                    }

                    info.PromptStart = start;
                    info.PromptLength = (int)reader.BytesConsumed - start;
                }
                else if (field is Field.System or Field.Instructions or Field.Tools or Field.Functions)
                {
                    if (field is Field.Tools or Field.Functions && IsNonEmptyArray(reader))
                    {
                        info.Needs |= RequestNeeds.Tools;
                    }

                    if (field is Field.Tools or Field.Functions && reader.TokenType == JsonTokenType.StartArray && shape.Find(name) is { Elements: not JsonKinds.None } tools)
                    {
                        // Each tool definition is an object: checked while skipping, so the array is read once.
                        var depth = reader.CurrentDepth;
                        var index = 0;
                        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth))
                        {
                            if (!JsonKindsText.Accepts(tools.Elements, ref reader))
                            {
                                return tools.ElementProblem(index, reader.TokenType);
                            }

                            reader.Skip();
                            index++;
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                    if (field is Field.System or Field.Instructions)
                    {
                        info.SystemStart = start;
                        info.SystemLength = (int)reader.BytesConsumed - start;
                    }
                    else
                    {
                        // Tool definitions are billed as input: counted into the hold like the prompt.
                        info.PromptBytes += (int)reader.BytesConsumed - start;
                        if (field == Field.Tools)
                        {
                            info.ToolsStart = start;
                            info.ToolsLength = (int)reader.BytesConsumed - start;
                        }
                        else
                        {
                            info.FunctionsStart = start;
                            info.FunctionsLength = (int)reader.BytesConsumed - start;
                        }
                    }
                }
                else if (field == Field.ResponseFormat)
                {
                    if (reader.TokenType == JsonTokenType.StartObject && AsksForJson(ref reader))
                    {
                        info.Needs |= RequestNeeds.JsonSchema;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Skip();
                }

                // Where the fields an adapted request changes are (values to replace, members to remove).
                var end = (int)reader.BytesConsumed;
                switch (field)
                {
                    case Field.MaxTokens:
                        info.MaxTokensValue = (start, end - start);
                        break;
                    case Field.MaxCompletionTokens:
                        info.MaxCompletionTokensValue = (start, end - start);
                        break;
                    case Field.MaxOutputTokens:
                        info.MaxOutputTokensValue = (start, end - start);
                        break;
                    case Field.Temperature:
                        info.TemperatureValue = (start, end - start);
                        break;
                    case Field.Metadata:
                        info.MetadataValue = (start, end - start);
                        break;
                    case Field.User:
                        info.UserValue = (start, end - start);
                        break;
                    case Field.Tools:
                    case Field.Functions:
                    case Field.ToolChoice:
                    case Field.FunctionCall:
                    case Field.ParallelToolCalls:
                        info.ToolMembers = info.ToolMembers.Add(memberStart, end);
                        break;
                }
            }

            // Anything after the object other than whitespace is invalid JSON.
            if (reader.Read())
            {
                return Json("the request body has data after the JSON object");
            }
        }
        catch (JsonException ex)
        {
            return Json($"the request body is not valid JSON ({Describe(ex)}): send one JSON object");
        }
        catch (InvalidOperationException)
        {
            // An escape that is no character (a lone surrogate such as "\ud800") where a name or the model is read.
            return Json("the request body has a string with an invalid \\u escape: send valid JSON text");
        }

        if (shape.CheckRequired(info, (seenFields & Field.MaxTokens) != 0) is { } missing)
        {
            return missing;
        }

        info.PromptBytes += Math.Max(0, info.PromptLength) + Math.Max(0, info.SystemLength);
        if (HasImage(body, info.PromptStart, info.PromptLength) || HasImage(body, info.SystemStart, info.SystemLength))
        {
            info.Needs |= RequestNeeds.Vision;
        }

        return null;
    }

    /// <summary>The field a top-level name is (<see cref="Field.None"/> for the ones the gateway does not read).</summary>
    private static Field FieldOf(ReadOnlySpan<byte> name) => name.Length switch
    {
        1 when name[0] == (byte)'n' => Field.Choices,
        4 when name.SequenceEqual("user"u8) => Field.User,
        5 when name.SequenceEqual("model"u8) => Field.Model,
        5 when name.SequenceEqual("input"u8) => Field.Input,
        5 when name.SequenceEqual("tools"u8) => Field.Tools,
        6 when name.SequenceEqual("stream"u8) => Field.Stream,
        6 when name.SequenceEqual("system"u8) => Field.System,
        6 when name.SequenceEqual("prompt"u8) => Field.Prompt,
        7 when name.SequenceEqual("best_of"u8) => Field.BestOf,
        8 when name.SequenceEqual("messages"u8) => Field.Messages,
        8 when name.SequenceEqual("contents"u8) => Field.Contents,
        8 when name.SequenceEqual("metadata"u8) => Field.Metadata,
        9 when name.SequenceEqual("functions"u8) => Field.Functions,
        10 when name.SequenceEqual("max_tokens"u8) => Field.MaxTokens,
        11 when name.SequenceEqual("temperature"u8) => Field.Temperature,
        11 when name.SequenceEqual("tool_choice"u8) => Field.ToolChoice,
        12 when name.SequenceEqual("instructions"u8) => Field.Instructions,
        13 when name.SequenceEqual("function_call"u8) => Field.FunctionCall,
        19 when name.SequenceEqual("parallel_tool_calls"u8) => Field.ParallelToolCalls,
        14 when name.SequenceEqual("stream_options"u8) => Field.StreamOptions,
        15 when name.SequenceEqual("response_format"u8) => Field.ResponseFormat,
        17 when name.SequenceEqual("max_output_tokens"u8) => Field.MaxOutputTokens,
        21 when name.SequenceEqual("max_completion_tokens"u8) => Field.MaxCompletionTokens,
        _ => Field.None,
    };

    private static bool IsNonEmptyArray(Utf8JsonReader reader)
    {
        // A copy: the caller's reader stays on the array's start to skip it.
        return reader.TokenType == JsonTokenType.StartArray && reader.Read() && reader.TokenType != JsonTokenType.EndArray;
    }

    /// <summary>Reads a <c>response_format</c> object to its end; true for <c>"type": "json_schema"</c> or <c>"json_object"</c>.</summary>
    private static bool AsksForJson(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var json = false;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                json = reader.TokenType == JsonTokenType.String && (reader.ValueTextEquals("json_schema"u8) || reader.ValueTextEquals("json_object"u8));
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return json;
    }

    /// <summary>
    /// Whether a prompt range holds an image content part: the string token <c>"image_url"</c>, <c>"input_image"</c>
    /// or <c>"image"</c> (a key or a type of the message structure). Text a user wrote cannot produce one: its
    /// quotes are escaped, and a match whose opening quote is escaped is skipped.
    /// </summary>
    private static bool HasImage(ReadOnlySpan<byte> body, int start, int length) =>
        start >= 0 && length > 0 &&
        (HasToken(body, start, length, "\"image_url\""u8) || HasToken(body, start, length, "\"input_image\""u8) || HasToken(body, start, length, "\"image\""u8));

    private static bool HasToken(ReadOnlySpan<byte> body, int start, int length, ReadOnlySpan<byte> token)
    {
        var end = start + length;
        while (start < end)
        {
            var found = body[start..end].IndexOf(token);
            if (found < 0)
            {
                return false;
            }

            var at = start + found;
            var backslashes = 0;
            while (at - backslashes - 1 >= 0 && body[at - backslashes - 1] == (byte)'\\')
            {
                backslashes++;
            }

            if (backslashes % 2 == 0)
            {
                return true;
            }

            start = at + 1;
        }

        return false;
    }

    private static RequestProblem Json(string message) => new(message, null, "invalid_json");

    private static RequestProblem FieldProblem(ReadOnlySpan<byte> name, string rule)
    {
        var text = System.Text.Encoding.UTF8.GetString(name);
        return new RequestProblem($"\"{text}\" {rule}", text);
    }

    private static string Describe(JsonException ex) =>
        ex.LineNumber is { } line && ex.BytePositionInLine is { } position ? $"line {line + 1}, byte {position + 1}" : "malformed";
}
