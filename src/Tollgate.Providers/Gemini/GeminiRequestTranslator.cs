using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tollgate.Providers.Gemini;

/// <summary>Translates an OpenAI chat-completions body into a Gemini <c>generateContent</c> body.</summary>
internal static class GeminiRequestTranslator
{
    // JSON-schema keywords Gemini's function declarations reject.
    private static readonly string[] UnsupportedSchemaKeys = ["additionalProperties", "$schema", "strict", "$id", "$defs", "definitions"];

    public static byte[] Translate(ChatRequest request)
    {
        var source = request.ParseNode();
        var target = new JsonObject();
        var systemParts = new JsonArray();
        var contents = new JsonArray();
        var toolNames = new Dictionary<string, string>(StringComparer.Ordinal);
        if (source["messages"] is JsonArray messages)
        {
            foreach (var node in messages)
            {
                if (node is not JsonObject message)
                {
                    continue;
                }

                switch (message["role"]?.GetValue<string>())
                {
                    case "system" or "developer":
                        foreach (var part in Parts(message["content"]))
                        {
                            systemParts.Add(part);
                        }

                        break;
                    case "assistant":
                        var parts = Parts(message["content"]);
                        if (message["tool_calls"] is JsonArray calls)
                        {
                            foreach (var call in calls)
                            {
                                if (call?["function"] is not JsonObject function)
                                {
                                    continue;
                                }

                                var name = function["name"]?.GetValue<string>() ?? "";
                                if (call["id"]?.GetValue<string>() is { } callId)
                                {
                                    toolNames[callId] = name;
                                }

                                parts.Add(new JsonObject
                                {
                                    ["functionCall"] = new JsonObject { ["name"] = name, ["args"] = ParseArguments(function["arguments"]?.GetValue<string>()) },
                                });
                            }
                        }

                        Append(contents, "model", parts);
                        break;
                    case "tool":
                        var id = message["tool_call_id"]?.GetValue<string>() ?? "";
                        Append(contents, "user", [new JsonObject
                        {
                            ["functionResponse"] = new JsonObject
                            {
                                ["name"] = toolNames.TryGetValue(id, out var toolName) ? toolName : message["name"]?.GetValue<string>() ?? id,
                                ["response"] = ToolResponse(message["content"]),
                            },
                        }]);
                        break;
                    default:
                        Append(contents, "user", Parts(message["content"]));
                        break;
                }
            }
        }

        if (systemParts.Count > 0)
        {
            target["systemInstruction"] = new JsonObject { ["parts"] = systemParts };
        }

        target["contents"] = contents;
        var generation = new JsonObject();
        if (request.MaxOutputTokens is { } max)
        {
            generation["maxOutputTokens"] = max;
        }

        CopyAs(source, generation, "temperature", "temperature");
        CopyAs(source, generation, "top_p", "topP");
        CopyAs(source, generation, "seed", "seed");
        CopyAs(source, generation, "n", "candidateCount");
        if (source["stop"] is JsonValue stop && stop.TryGetValue<string>(out var single))
        {
            generation["stopSequences"] = new JsonArray(single);
        }
        else if (source["stop"] is JsonArray stops)
        {
            generation["stopSequences"] = stops.DeepClone();
        }

        if (source["response_format"] is JsonObject format)
        {
            var type = format["type"]?.GetValue<string>();
            if (type is "json_object" or "json_schema")
            {
                generation["responseMimeType"] = "application/json";
                if (type == "json_schema" && format["json_schema"]?["schema"] is JsonObject schema)
                {
                    generation["responseJsonSchema"] = schema.DeepClone();
                }
            }
        }

        if (generation.Count > 0)
        {
            target["generationConfig"] = generation;
        }

        if (source["tools"] is JsonArray tools && tools.Count > 0)
        {
            var declarations = new JsonArray();
            foreach (var tool in tools)
            {
                if (tool?["function"] is not JsonObject function)
                {
                    continue;
                }

                var declaration = new JsonObject { ["name"] = function["name"]?.DeepClone() };
                if (function["description"] is { } description)
                {
                    declaration["description"] = description.DeepClone();
                }

                if (function["parameters"] is JsonObject parameters)
                {
                    declaration["parameters"] = CleanSchema(parameters);
                }

                declarations.Add(declaration);
            }

            target["tools"] = new JsonArray(new JsonObject { ["functionDeclarations"] = declarations });
        }

        if (ToolConfig(source["tool_choice"]) is { } toolConfig)
        {
            target["toolConfig"] = toolConfig;
        }

        return JsonSerializer.SerializeToUtf8Bytes(target);
    }

    private static JsonObject? ToolConfig(JsonNode? choice)
    {
        if (choice is JsonValue value && value.TryGetValue<string>(out var mode))
        {
            var geminiMode = mode switch { "none" => "NONE", "required" => "ANY", _ => "AUTO" };
            return new JsonObject { ["functionCallingConfig"] = new JsonObject { ["mode"] = geminiMode } };
        }

        if (choice is JsonObject named && named["function"]?["name"] is { } name)
        {
            return new JsonObject
            {
                ["functionCallingConfig"] = new JsonObject { ["mode"] = "ANY", ["allowedFunctionNames"] = new JsonArray(name.DeepClone()) },
            };
        }

        return null;
    }

    private static JsonNode CleanSchema(JsonNode schema)
    {
        var clone = schema.DeepClone();
        Strip(clone);
        return clone;

        static void Strip(JsonNode? node)
        {
            if (node is JsonObject obj)
            {
                foreach (var key in UnsupportedSchemaKeys)
                {
                    obj.Remove(key);
                }

                foreach (var (_, child) in obj.ToList())
                {
                    Strip(child);
                }
            }
            else if (node is JsonArray array)
            {
                foreach (var child in array)
                {
                    Strip(child);
                }
            }
        }
    }

    private static JsonNode ParseArguments(string? arguments)
    {
        try
        {
            return JsonNode.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments) ?? new JsonObject();
        }
        catch (JsonException)
        {
            return new JsonObject();
        }
    }

    /// <summary>Gemini wants an object: a JSON object result is passed as is, anything else is wrapped.</summary>
    private static JsonObject ToolResponse(JsonNode? content)
    {
        var text = content is JsonValue value && value.TryGetValue<string>(out var s) ? s
            : content is JsonArray parts ? string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? "")) : "";
        try
        {
            if (JsonNode.Parse(text) is JsonObject parsed)
            {
                return parsed;
            }
        }
        catch (JsonException)
        {
        }

        return new JsonObject { ["content"] = text };
    }

    private static void Append(JsonArray contents, string role, List<JsonNode> parts)
    {
        if (parts.Count == 0)
        {
            return;
        }

        if (contents.Count > 0 && contents[^1] is JsonObject last && last["role"]?.GetValue<string>() == role && last["parts"] is JsonArray existing)
        {
            foreach (var part in parts)
            {
                existing.Add(part);
            }

            return;
        }

        var array = new JsonArray();
        foreach (var part in parts)
        {
            array.Add(part);
        }

        contents.Add(new JsonObject { ["role"] = role, ["parts"] = array });
    }

    private static List<JsonNode> Parts(JsonNode? content)
    {
        var parts = new List<JsonNode>();
        if (content is JsonValue value && value.TryGetValue<string>(out var text))
        {
            if (text.Length > 0)
            {
                parts.Add(new JsonObject { ["text"] = text });
            }

            return parts;
        }

        if (content is not JsonArray items)
        {
            return parts;
        }

        foreach (var item in items)
        {
            switch (item?["type"]?.GetValue<string>())
            {
                case "text":
                    parts.Add(new JsonObject { ["text"] = item["text"]?.DeepClone() });
                    break;
                case "image_url":
                    var url = item["image_url"] is JsonObject image ? image["url"]?.GetValue<string>() : item["image_url"]?.GetValue<string>();
                    if (url is null)
                    {
                        break;
                    }

                    parts.Add(DataUrl.TryParse(url, out var mediaType, out var data)
                        ? new JsonObject { ["inlineData"] = new JsonObject { ["mimeType"] = mediaType, ["data"] = data } }
                        : new JsonObject { ["fileData"] = new JsonObject { ["mimeType"] = DataUrl.GuessMediaType(url), ["fileUri"] = url } });
                    break;
            }
        }

        return parts;
    }

    private static void CopyAs(JsonObject source, JsonObject target, string from, string to)
    {
        if (source[from] is { } value && value.GetValueKind() != JsonValueKind.Null)
        {
            target[to] = value.DeepClone();
        }
    }
}
