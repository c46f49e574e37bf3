using System.Text.Json;

namespace Tollgate.Tokens;

/// <summary>
/// Reads an Anthropic messages request body (<c>model</c>, <c>system</c>, <c>messages</c> of content blocks,
/// <c>tools</c>) into a <see cref="ChatPrompt"/>, so <see cref="ChatTokenCounter"/> counts it like an OpenAI one:
/// <c>system</c> becomes a system message, text blocks text, base64 images images, <c>tool_use</c> tool calls,
/// <c>tool_result</c> its text, other blocks (documents…) make the count an estimate.
/// </summary>
public static class AnthropicPromptParser
{
    /// <summary>Parses <paramref name="root"/>; a <see cref="FormatException"/> says what is wrong with it.</summary>
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
        if (root.TryGetProperty("system", out var system) && system.ValueKind is JsonValueKind.String or JsonValueKind.Array)
        {
            messages.Add(new PromptMessage { Role = "system", Content = system.ValueKind == JsonValueKind.String ? system.GetString() : null, Parts = system.ValueKind == JsonValueKind.Array ? Blocks(system, "system", []) : [] });
        }

        var index = 0;
        foreach (var message in messagesElement.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"messages[{index}] must be an object.");
            }

            var role = String(message, "role") ?? throw new FormatException($"messages[{index}] has no \"role\".");
            if (role is not ("user" or "assistant"))
            {
                throw new FormatException($"messages[{index}].role must be \"user\" or \"assistant\", not \"{role}\" (the system prompt goes in \"system\").");
            }

            var toolCalls = new List<PromptToolCall>();
            if (!message.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
            {
                throw new FormatException($"messages[{index}] has no \"content\" (a string or an array of content blocks).");
            }

            messages.Add(content.ValueKind == JsonValueKind.String
                ? new PromptMessage { Role = role, Content = content.GetString() }
                : new PromptMessage { Role = role, Parts = Blocks(content, $"messages[{index}].content", toolCalls), ToolCalls = toolCalls });
            index++;
        }

        var tools = new List<PromptTool>();
        if (root.TryGetProperty("tools", out var toolsElement) && toolsElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in toolsElement.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.Object))
            {
                tools.Add(new PromptTool(
                    String(tool, "name") ?? "",
                    String(tool, "description"),
                    tool.TryGetProperty("input_schema", out var schema) && schema.ValueKind == JsonValueKind.Object ? schema.GetRawText() : null));
            }
        }

        return new ChatPrompt
        {
            Model = String(root, "model"),
            Messages = messages,
            Tools = tools,
            MaxOutputTokens = root.TryGetProperty("max_tokens", out var max) && max.ValueKind == JsonValueKind.Number && max.TryGetInt32(out var m) && m > 0 ? m : null,
        };
    }

    private static List<PromptPart> Blocks(JsonElement blocks, string where, List<PromptToolCall> toolCalls)
    {
        var parts = new List<PromptPart>();
        var i = 0;
        foreach (var block in blocks.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{where}[{i}] must be a content block object.");
            }

            switch (String(block, "type"))
            {
                case "text":
                    parts.Add(new PromptText(String(block, "text") ?? ""));
                    break;
                case "image":
                    parts.Add(Image(block));
                    break;
                case "tool_use":
                    toolCalls.Add(new PromptToolCall(String(block, "id"), String(block, "name") ?? "",
                        block.TryGetProperty("input", out var input) ? input.GetRawText() : "{}"));
                    break;
                case "tool_result":
                    if (block.TryGetProperty("content", out var result))
                    {
                        if (result.ValueKind == JsonValueKind.String)
                        {
                            parts.Add(new PromptText(result.GetString() ?? ""));
                        }
                        else if (result.ValueKind == JsonValueKind.Array)
                        {
                            parts.AddRange(Blocks(result, $"{where}[{i}].content", toolCalls));
                        }
                    }

                    break;
                case { } other:
                    parts.Add(new PromptOther(other));
                    break;
                default:
                    throw new FormatException($"{where}[{i}] has no \"type\".");
            }

            i++;
        }

        return parts;
    }

    private static PromptImage Image(JsonElement block)
    {
        if (block.TryGetProperty("source", out var source) && String(source, "type") == "base64" && String(source, "data") is { } data &&
            ChatPromptParser.TryBase64Prefix(data, ChatPromptParser.MaxHeaderBase64Chars, out var bytes) &&
            ImageDimensions.TryRead(bytes, out var width, out var height))
        {
            return new PromptImage(width, height);
        }

        return new PromptImage(null, null);
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
