using System.Text.Json;

namespace Tollgate.Tokens;

/// <summary>
/// Counts the input tokens of a chat request the way OpenAI bills it (the OpenAI cookbook's rules):
/// <list type="bullet">
/// <item>every message: 3 tokens + the tokens of its role, content and name; a name adds 1 more
/// (<c>gpt-3.5-turbo-0301</c>: 4 per message, a name −1); the reply is primed with 3 tokens;</item>
/// <item>tool definitions: the cookbook's function-calling formula — per function 7 (o200k models; 10 for cl100k)
/// + tokens of <c>name:description</c>; with parameters 3 + per property 3 + tokens of <c>name:type:description</c>
/// (a trailing period dropped), an enum −3 + per item 3 + its tokens; 12 at the end;</item>
/// <item>tool calls in assistant messages (not published): tokens of name and arguments + 3 each, and a tool
/// message's <c>tool_call_id</c> — counted, and flagged as an estimate;</item>
/// <item>images and audio: <see cref="ImageTokens"/>, <see cref="AudioTokens"/>.</item>
/// </list>
/// Models whose tokenizer is not public are counted with <c>o200k_base</c> × their factor (see
/// <see cref="TokenizerRegistry"/>) and an unknown model with the highest factor; both are flagged as estimates.
/// </summary>
public sealed class ChatTokenCounter(TokenCountCache? cache = null)
{
    /// <summary>Framing added to each assistant tool call (not published by OpenAI; an estimate).</summary>
    public const int TokensPerToolCall = 3;

    /// <summary>Every reply is primed with <c>&lt;|start|&gt;assistant&lt;|message|&gt;</c>: added once per request with messages.</summary>
    public const int ReplyPrimingTokens = 3;

    private const decimal UnknownModelFactor = 1.30m;

    /// <summary>
    /// How <paramref name="model"/>'s chat prompts are counted (tokenizer, per-message and per-name framing). Resolving
    /// it costs a registry lookup: callers that count many prompts for one model keep it (it is immutable).
    /// </summary>
    public static ChatCountRules RulesFor(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        string? note = null;
        if (!TokenizerRegistry.TryForModel(model, out var tokenizer))
        {
            tokenizer = new ModelTokenizer(model, "unknown", TiktokenEncoding.O200kBase, UnknownModelFactor, isEstimate: true);
            note = $"unknown model '{model}': counted as o200k_base x {UnknownModelFactor}";
        }
        else if (tokenizer.IsEstimate)
        {
            note = $"{tokenizer.Family} tokenizer is not public: counted as o200k_base x {tokenizer.Factor}";
        }

        var legacy = ModelNames.Normalize(model, out _) == "gpt-3.5-turbo-0301";
        return new ChatCountRules(model, tokenizer, legacy ? 4 : 3, legacy ? -1 : 1, note);
    }

    /// <summary>
    /// Tokens of one plain-text message (framing, role, content and name) in <paramref name="rules"/>' encoding,
    /// before the model's factor: sum these, add <see cref="ReplyPrimingTokens"/> once and apply
    /// <see cref="ModelTokenizer.Scale"/> to get what <see cref="Count(ChatPrompt, string?)"/> gives for a request
    /// of text-only messages without tools. Texts go through the cache when there is one.
    /// </summary>
    public long CountTextMessage(ChatCountRules rules, string role, string? content, string? name)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var encoding = rules.Tokenizer.Encoding;
        var tokens = rules.TokensPerMessage + rules.RoleTokens(role) + (content is null ? 0 : Count(encoding, content));
        if (name is not null)
        {
            tokens += Count(encoding, name) + rules.TokensPerName;
        }

        return tokens;
    }

    /// <summary>Counts <paramref name="request"/> for <paramref name="model"/> (default: the request's own model).</summary>
    public ChatTokenCount Count(ChatPrompt request, string? model = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        model ??= request.Model;
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new ArgumentException("The request names no model; pass one.", nameof(model));
        }

        var notes = new List<string>();
        var rules = RulesFor(model);
        if (rules.Note is not null)
        {
            notes.Add(rules.Note);
        }

        var tokenizer = rules.Tokenizer;
        var encoding = tokenizer.Encoding;
        var estimate = tokenizer.IsEstimate;
        var perMessage = rules.TokensPerMessage;
        var perName = rules.TokensPerName;

        long text = 0, images = 0, audio = 0;
        foreach (var message in request.Messages)
        {
            text += perMessage + rules.RoleTokens(message.Role);
            if (message.Content is not null)
            {
                text += Count(encoding, message.Content);
            }

            foreach (var part in message.Parts)
            {
                switch (part)
                {
                    case PromptText t:
                        text += Count(encoding, t.Text);
                        break;
                    case PromptImage { Width: int w, Height: int h } image:
                    {
                        var count = ImageTokens.ForModel(model, w, h, image.Detail);
                        images += count.Tokens;
                        estimate |= count.IsEstimate;
                        break;
                    }

                    case PromptImage image:
                    {
                        var count = ImageTokens.WorstCaseForModel(model, image.Detail);
                        images += count.Tokens;
                        estimate = true;
                        notes.Add("image of unknown size: counted at the largest size the formula allows");
                        break;
                    }

                    case PromptAudio { Duration: TimeSpan duration } a:
                    {
                        var count = AudioTokens.ForModel(model, duration);
                        audio += count.Tokens;
                        estimate |= count.IsEstimate || a.DurationIsEstimate;
                        if (a.DurationIsEstimate)
                        {
                            notes.Add("compressed audio: duration estimated from its size at 32 kbit/s");
                        }

                        break;
                    }

                    case PromptAudio:
                        estimate = true;
                        notes.Add("audio of unknown duration: not counted");
                        break;
                    case PromptOther other:
                        estimate = true;
                        notes.Add($"content part '{other.Type}' is not counted");
                        break;
                }
            }

            if (message.Name is not null)
            {
                text += Count(encoding, message.Name) + perName;
            }

            if (message.ToolCallId is not null)
            {
                text += Count(encoding, message.ToolCallId);
                estimate = true;
            }

            foreach (var call in message.ToolCalls)
            {
                text += Count(encoding, call.Name) + Count(encoding, call.Arguments) + TokensPerToolCall;
                estimate = true;
            }
        }

        if (request.Messages.Count > 0)
        {
            text += ReplyPrimingTokens;
        }

        var tools = CountTools(encoding, request.Tools, ref estimate, notes);
        if (request.Messages.Any(m => m.ToolCalls.Count > 0 || m.ToolCallId is not null))
        {
            notes.Add($"tool calls/results: name + arguments + {TokensPerToolCall} per call (framing not published)");
        }

        return new ChatTokenCount
        {
            Model = model,
            Encoding = encoding.Name,
            MessageTokens = tokenizer.Scale(text).Tokens,
            ToolTokens = tokenizer.Scale(tools).Tokens,
            ImageTokens = images,
            AudioTokens = audio,
            IsEstimate = estimate,
            Notes = notes.Distinct().ToArray(),
        };
    }

    /// <summary>Parses an OpenAI chat request body and counts it (see <see cref="ChatPromptParser"/>).</summary>
    public ChatTokenCount Count(string requestJson, string? model = null) => Count(ChatPromptParser.Parse(requestJson), model);

    /// <summary>The cookbook's function-calling formula over <paramref name="tools"/>.</summary>
    public long CountTools(TiktokenEncoding encoding, IReadOnlyList<PromptTool> tools)
    {
        var estimate = false;
        return CountTools(encoding, tools, ref estimate, []);
    }

    private long CountTools(TiktokenEncoding encoding, IReadOnlyList<PromptTool> tools, ref bool estimate, List<string> notes)
    {
        if (tools.Count == 0)
        {
            return 0;
        }

        // The cookbook's constants: gpt-4o family (o200k) and gpt-4 / gpt-3.5-turbo (cl100k).
        var functionInit = encoding.Name == "o200k_base" ? 7 : 10;
        const int PropertyInit = 3, PropertyKey = 3, EnumInit = -3, EnumItem = 3, FunctionEnd = 12;

        long count = 0;
        foreach (var tool in tools)
        {
            count += functionInit;
            count += Count(encoding, $"{tool.Name}:{TrimPeriod(tool.Description)}");
            if (tool.ParametersJson is null)
            {
                continue;
            }

            using var document = JsonDocument.Parse(tool.ParametersJson);
            if (!document.RootElement.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var first = true;
            foreach (var property in properties.EnumerateObject())
            {
                if (first)
                {
                    count += PropertyInit;
                    first = false;
                }

                count += PropertyKey;
                var schema = property.Value;
                var type = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var typeElement)
                    ? typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString() : typeElement.GetRawText()
                    : "";
                var description = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("description", out var descriptionElement) && descriptionElement.ValueKind == JsonValueKind.String
                    ? descriptionElement.GetString()
                    : "";
                if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
                {
                    count += EnumInit;
                    foreach (var item in values.EnumerateArray())
                    {
                        count += EnumItem + Count(encoding, item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText());
                    }
                }

                count += Count(encoding, $"{property.Name}:{type}:{TrimPeriod(description)}");

                // Nested objects and arrays are outside the published formula: add their schema text and flag it.
                if (schema.ValueKind == JsonValueKind.Object && (schema.TryGetProperty("properties", out var nested) || schema.TryGetProperty("items", out nested)))
                {
                    count += Count(encoding, nested.GetRawText());
                    estimate = true;
                    notes.Add("nested tool parameter schemas: counted as their JSON text (outside the published formula)");
                }
            }
        }

        return count + FunctionEnd;
    }

    private static string TrimPeriod(string? text) =>
        text is null ? "" : text.EndsWith('.') ? text[..^1] : text;

    private long Count(TiktokenEncoding encoding, string text) =>
        cache is null ? encoding.CountTokens(text.AsSpan()) : cache.GetOrCount(encoding, text.AsSpan());
}
