using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tollgate.Providers.Anthropic;

/// <summary>Translates an OpenAI chat-completions body into an Anthropic Messages body.</summary>
internal static class AnthropicRequestTranslator
{
    public static byte[] Translate(ChatRequest request, string model, int defaultMaxTokens)
    {
        var source = request.ParseNode();
        var target = new JsonObject { ["model"] = model, ["max_tokens"] = request.MaxOutputTokens ?? defaultMaxTokens };
        var system = new JsonArray();
        var messages = new JsonArray();
        if (source["messages"] is JsonArray sourceMessages)
        {
            foreach (var node in sourceMessages)
            {
                if (node is not JsonObject message)
                {
                    continue;
                }

                var role = message["role"]?.GetValue<string>();
                switch (role)
                {
                    case "system" or "developer":
                        foreach (var block in TextBlocks(message["content"]))
                        {
                            system.Add(block);
                        }

                        break;
                    case "assistant":
                        Append(messages, "assistant", AssistantBlocks(message));
                        break;
                    case "tool":
                        Append(messages, "user", [ToolResult(message)]);
                        break;
                    default:
                        Append(messages, "user", UserBlocks(message["content"]));
                        break;
                }
            }
        }

        if (system.Count > 0)
        {
            target["system"] = system;
        }

        target["messages"] = messages;
        Copy(source, target, "temperature");
        Copy(source, target, "top_p");
        if (source["stop"] is JsonValue stop && stop.TryGetValue<string>(out var single))
        {
            target["stop_sequences"] = new JsonArray(single);
        }
        else if (source["stop"] is JsonArray stops)
        {
            target["stop_sequences"] = stops.DeepClone();
        }

        if (request.Stream)
        {
            target["stream"] = true;
        }

        if (source["tools"] is JsonArray tools && tools.Count > 0)
        {
            var translated = new JsonArray();
            foreach (var tool in tools)
            {
                if (tool?["function"] is JsonObject function)
                {
                    var item = new JsonObject
                    {
                        ["name"] = function["name"]?.DeepClone(),
                        ["input_schema"] = function["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() },
                    };
                    if (function["description"] is { } description)
                    {
                        item["description"] = description.DeepClone();
                    }

                    translated.Add(item);
                }
            }

            target["tools"] = translated;
        }

        var toolChoice = ToolChoice(source["tool_choice"]);
        if (toolChoice is not null && source["parallel_tool_calls"] is JsonValue parallel && parallel.TryGetValue<bool>(out var allowParallel) && !allowParallel)
        {
            toolChoice["disable_parallel_tool_use"] = true;
        }

        if (toolChoice is not null)
        {
            target["tool_choice"] = toolChoice;
        }

        if (source["user"] is JsonValue user && user.TryGetValue<string>(out var userId))
        {
            target["metadata"] = new JsonObject { ["user_id"] = userId };
        }

        return JsonSerializer.SerializeToUtf8Bytes(target);
    }

    private static JsonObject? ToolChoice(JsonNode? choice)
    {
        if (choice is JsonValue value && value.TryGetValue<string>(out var mode))
        {
            return mode switch
            {
                "none" => new JsonObject { ["type"] = "none" },
                "required" => new JsonObject { ["type"] = "any" },
                _ => new JsonObject { ["type"] = "auto" },
            };
        }

        if (choice is JsonObject named && named["function"]?["name"] is { } name)
        {
            return new JsonObject { ["type"] = "tool", ["name"] = name.DeepClone() };
        }

        return null;
    }

    /// <summary>Consecutive messages of one role are merged: Anthropic wants tool results right after the tool use.</summary>
    private static void Append(JsonArray messages, string role, List<JsonNode> blocks)
    {
        if (blocks.Count == 0)
        {
            return;
        }

        if (messages.Count > 0 && messages[^1] is JsonObject last && last["role"]?.GetValue<string>() == role && last["content"] is JsonArray content)
        {
            foreach (var block in blocks)
            {
                content.Add(block);
            }

            return;
        }

        var array = new JsonArray();
        foreach (var block in blocks)
        {
            array.Add(block);
        }

        messages.Add(new JsonObject { ["role"] = role, ["content"] = array });
    }

    private static List<JsonNode> TextBlocks(JsonNode? content)
    {
        var blocks = new List<JsonNode>();
        if (content is JsonValue value && value.TryGetValue<string>(out var text))
        {
            if (text.Length > 0)
            {
                blocks.Add(new JsonObject { ["type"] = "text", ["text"] = text });
            }
        }
        else if (content is JsonArray parts)
        {
            foreach (var part in parts)
            {
                if (part?["type"]?.GetValue<string>() == "text")
                {
                    blocks.Add(TextBlock(part));
                }
            }
        }

        return blocks;
    }

    private static JsonObject TextBlock(JsonNode part)
    {
        var block = new JsonObject { ["type"] = "text", ["text"] = part["text"]?.DeepClone() };
        if (part["cache_control"] is { } cache)
        {
            block["cache_control"] = cache.DeepClone();
        }

        return block;
    }

    private static List<JsonNode> UserBlocks(JsonNode? content)
    {
        if (content is not JsonArray parts)
        {
            return TextBlocks(content);
        }

        var blocks = new List<JsonNode>();
        foreach (var part in parts)
        {
            switch (part?["type"]?.GetValue<string>())
            {
                case "text":
                    blocks.Add(TextBlock(part));
                    break;
                case "image_url":
                    var url = part["image_url"] is JsonObject image ? image["url"]?.GetValue<string>() : part["image_url"]?.GetValue<string>();
                    if (url is not null)
                    {
                        blocks.Add(ImageBlock(url));
                    }

                    break;
            }
        }

        return blocks;
    }

    private static JsonObject ImageBlock(string url)
    {
        if (DataUrl.TryParse(url, out var mediaType, out var data))
        {
            return new JsonObject
            {
                ["type"] = "image",
                ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = mediaType, ["data"] = data },
            };
        }

        return new JsonObject { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "url", ["url"] = url } };
    }

    private static List<JsonNode> AssistantBlocks(JsonObject message)
    {
        var blocks = TextBlocks(message["content"]);
        if (message["tool_calls"] is JsonArray calls)
        {
            foreach (var call in calls)
            {
                if (call?["function"] is not JsonObject function)
                {
                    continue;
                }

                JsonNode input;
                try
                {
                    input = JsonNode.Parse(function["arguments"]?.GetValue<string>() is { Length: > 0 } args ? args : "{}") ?? new JsonObject();
                }
                catch (JsonException)
                {
                    input = new JsonObject();
                }

                blocks.Add(new JsonObject
                {
                    ["type"] = "tool_use",
                    ["id"] = call["id"]?.DeepClone(),
                    ["name"] = function["name"]?.DeepClone(),
                    ["input"] = input,
                });
            }
        }

        return blocks;
    }

    private static JsonObject ToolResult(JsonObject message)
    {
        var result = new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = message["tool_call_id"]?.DeepClone() };
        if (message["content"] is JsonValue value && value.TryGetValue<string>(out var text))
        {
            result["content"] = text;
        }
        else
        {
            var blocks = new JsonArray();
            foreach (var block in UserBlocks(message["content"]))
            {
                blocks.Add(block);
            }

            result["content"] = blocks;
        }

        return result;
    }

    private static void Copy(JsonObject source, JsonObject target, string name)
    {
        if (source[name] is { } value && value.GetValueKind() != JsonValueKind.Null)
        {
            target[name] = value.DeepClone();
        }
    }
}
