using System.Buffers.Text;
using System.Text.Json;

namespace Tollgate.Tokens;

/// <summary>Reads an OpenAI chat-completions request body into a <see cref="ChatPrompt"/>.</summary>
public static class ChatPromptParser
{
    // Enough of a base64 image to reach the frame header of a JPEG that carries EXIF data.
    internal const int MaxHeaderBase64Chars = 1 << 20;

    /// <summary>Parses <paramref name="json"/>; a <see cref="FormatException"/> says what is wrong with it.</summary>
    public static ChatPrompt Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Parse(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The request is not valid JSON: {ex.Message}", ex);
        }
    }

    public static ChatPrompt Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("The request must be a JSON object with a \"messages\" array.");
        }

        if (!root.TryGetProperty("messages", out var messagesElement) || messagesElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("The request has no \"messages\" array.");
        }

        var messages = new List<PromptMessage>();
        var index = 0;
        foreach (var message in messagesElement.EnumerateArray())
        {
            messages.Add(ParseMessage(message, index++));
        }

        var tools = new List<PromptTool>();
        if (root.TryGetProperty("tools", out var toolsElement) && toolsElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in toolsElement.EnumerateArray())
            {
                if (tool.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
                {
                    tools.Add(ParseFunction(function));
                }
            }
        }

        if (root.TryGetProperty("functions", out var functionsElement) && functionsElement.ValueKind == JsonValueKind.Array)
        {
            tools.AddRange(functionsElement.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.Object).Select(ParseFunction));
        }

        return new ChatPrompt
        {
            Model = String(root, "model"),
            Messages = messages,
            Tools = tools,
            MaxOutputTokens = PositiveInt(root, "max_completion_tokens") ?? PositiveInt(root, "max_tokens"),
            // Every completion is billed: best_of generates that many even when it returns n.
            Choices = Math.Max(PositiveInt(root, "n") ?? 1, PositiveInt(root, "best_of") ?? 1),
        };
    }

    private static PromptMessage ParseMessage(JsonElement message, int index)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"messages[{index}] must be an object.");
        }

        var role = String(message, "role") ?? throw new FormatException($"messages[{index}] has no \"role\".");
        string? content = null;
        var parts = new List<PromptPart>();
        if (message.TryGetProperty("content", out var contentElement))
        {
            if (contentElement.ValueKind == JsonValueKind.String)
            {
                content = contentElement.GetString();
            }
            else if (contentElement.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in contentElement.EnumerateArray())
                {
                    parts.Add(ParsePart(part));
                }
            }
        }

        var toolCalls = new List<PromptToolCall>();
        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                if (call.TryGetProperty("function", out var function))
                {
                    toolCalls.Add(new PromptToolCall(String(call, "id"), String(function, "name") ?? "", String(function, "arguments") ?? ""));
                }
            }
        }

        if (message.TryGetProperty("function_call", out var functionCall) && functionCall.ValueKind == JsonValueKind.Object)
        {
            toolCalls.Add(new PromptToolCall(null, String(functionCall, "name") ?? "", String(functionCall, "arguments") ?? ""));
        }

        return new PromptMessage
        {
            Role = role,
            Content = content,
            Parts = parts,
            Name = String(message, "name"),
            ToolCalls = toolCalls,
            ToolCallId = String(message, "tool_call_id"),
        };
    }

    private static PromptPart ParsePart(JsonElement part)
    {
        var type = String(part, "type") ?? "";
        switch (type)
        {
            case "text" or "input_text":
                return new PromptText(String(part, "text") ?? "");
            case "image_url":
            {
                var image = part.TryGetProperty("image_url", out var imageElement) ? imageElement : default;
                var url = image.ValueKind == JsonValueKind.Object ? String(image, "url") : image.ValueKind == JsonValueKind.String ? image.GetString() : null;
                var detail = (image.ValueKind == JsonValueKind.Object ? String(image, "detail") : null) switch
                {
                    "low" => ImageDetail.Low,
                    "high" => ImageDetail.High,
                    _ => ImageDetail.Auto,
                };
                return TryDataUrlBytes(url, MaxHeaderBase64Chars, out var bytes) && ImageDimensions.TryRead(bytes, out var width, out var height)
                    ? new PromptImage(width, height, detail)
                    : new PromptImage(null, null, detail);
            }

            case "input_audio":
            {
                var audio = part.TryGetProperty("input_audio", out var audioElement) ? audioElement : default;
                var data = audio.ValueKind == JsonValueKind.Object ? String(audio, "data") : null;
                var format = audio.ValueKind == JsonValueKind.Object ? String(audio, "format") : null;
                if (data is null)
                {
                    return new PromptAudio(null);
                }

                var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(data.Length)];
                if (Convert.TryFromBase64String(data, bytes, out var written))
                {
                    if (format is null or "wav" && AudioTokens.TryReadWavDuration(bytes.AsSpan(0, written), out var duration))
                    {
                        return new PromptAudio(duration);
                    }

                    // Compressed audio: assume a low 32 kbit/s so the duration (and the count) errs high.
                    return new PromptAudio(TimeSpan.FromSeconds(Math.Ceiling(written * 8 / 32_000.0)), DurationIsEstimate: true);
                }

                return new PromptAudio(null);
            }

            default:
                return new PromptOther(type);
        }
    }

    private static PromptTool ParseFunction(JsonElement function) =>
        new(String(function, "name") ?? "",
            String(function, "description"),
            function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object ? parameters.GetRawText() : null);

    /// <summary>Decodes the start of a <c>data:...;base64,</c> URL.</summary>
    private static bool TryDataUrlBytes(string? url, int maxChars, out byte[] bytes)
    {
        bytes = [];
        if (url is null || !url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var comma = url.IndexOf(',');
        if (comma < 0 || !url.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return TryBase64Prefix(url.AsSpan(comma + 1), maxChars, out bytes);
    }

    /// <summary>Decodes at most <paramref name="maxChars"/> characters of base64 (enough for an image's header).</summary>
    internal static bool TryBase64Prefix(ReadOnlySpan<char> data, int maxChars, out byte[] bytes)
    {
        data = data[..(Math.Min(data.Length, maxChars) & ~3)];
        bytes = new byte[(data.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64Chars(data, bytes, out var written))
        {
            return false;
        }

        bytes = bytes[..written];
        return true;
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static int? PositiveInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number > 0
            ? number
            : null;
}
