using System.Text.Json;
using Microsoft.Extensions.AI;
using Tollgate.Tokens;

namespace Tollgate.Extensions.AI.Internal;

/// <summary>
/// Counts a Microsoft.Extensions.AI request with the tokens area's <see cref="ChatTokenCounter"/> (the same rules the
/// gateway bills by): the messages, function calls and results, images, and the tool definitions are translated into
/// its <see cref="ChatPrompt"/> once. Embedding inputs are counted with the model's tokenizer directly.
/// </summary>
internal static class PromptCounter
{
    private static readonly ModelTokenizer Fallback = TokenizerRegistry.ForEncoding(TiktokenEncoding.O200kBase);

    // Declared before SharedCounter, which is built on it (static initialisers run in text order).
    private static readonly TokenCountCache SharedCache = new(capacity: 8192, minimumLength: CachedTextMinimumLength);

    /// <summary>The tokenizer for <paramref name="model"/>, or <c>o200k_base</c> when no rule knows it (counts then are estimates).</summary>
    public static ModelTokenizer TokenizerFor(string model) =>
        TokenizerRegistry.TryForModel(model, out var tokenizer) ? tokenizer : Fallback;

    /// <summary>
    /// Token counts of texts seen before (system prompts, a conversation's earlier turns resent on every call),
    /// shared by every client in the process: bounded LRU keyed by content hash, so memory stays flat.
    /// </summary>
    public static ChatTokenCounter SharedCounter { get; } = new(SharedCache);

    /// <summary>In front of the content cache: the same string instance counted again costs a reference comparison.</summary>
    private static readonly RecentTextCounts Recent = new();

    /// <summary>Shorter texts are counted directly: hashing and a cache lookup cost about as much as counting them.</summary>
    internal const int CachedTextMinimumLength = 16;

    /// <summary>The prompt's tokens (tools included) and the tool definitions' share.</summary>
    public static PromptCount CountChat(ChatTokenCounter counter, ChatCountRules rules, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        if (TryCountText(counter, rules, messages, options, out var text))
        {
            return new PromptCount(rules.Tokenizer.Scale(text).Tokens, 0);
        }

        var count = counter.Count(ToPrompt(messages, options), rules.Model);
        return new PromptCount(count.Total, count.ToolTokens);
    }

    /// <summary>
    /// The common request — text-only messages, no tools — counted straight from the messages (no prompt model
    /// built, texts through the cache) with the same rules as <see cref="ChatTokenCounter.Count(ChatPrompt, string?)"/>;
    /// false for anything else (the caller then counts the full prompt).
    /// </summary>
    private static bool TryCountText(ChatTokenCounter counter, ChatCountRules rules, IEnumerable<ChatMessage> messages, ChatOptions? options, out long tokens)
    {
        tokens = 0;
        if (options?.Tools is { Count: > 0 })
        {
            return false;
        }

        var any = false;
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            tokens += CountTextMessage(counter, rules, "system", options.Instructions, null);
            any = true;
        }

        if (messages is IList<ChatMessage> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (!TryCountMessage(counter, rules, list[i], ref tokens))
                {
                    return false;
                }

                any = true;
            }
        }
        else
        {
            foreach (var message in messages)
            {
                if (!TryCountMessage(counter, rules, message, ref tokens))
                {
                    return false;
                }

                any = true;
            }
        }

        if (any)
        {
            tokens += ChatTokenCounter.ReplyPrimingTokens;
        }

        return true;
    }

    private static bool TryCountMessage(ChatTokenCounter counter, ChatCountRules rules, ChatMessage message, ref long tokens)
    {
        var contents = message.Contents;
        if (contents.Count != 1 || contents[0] is not TextContent only)
        {
            return false;
        }

        tokens += CountTextMessage(counter, rules, message.Role.Value, only.Text, string.IsNullOrEmpty(message.AuthorName) ? null : message.AuthorName);
        return true;
    }

    /// <summary>As <see cref="ChatTokenCounter.CountTextMessage"/> (its framing, name included), with the text counted through <see cref="Recent"/>.</summary>
    private static long CountTextMessage(ChatTokenCounter counter, ChatCountRules rules, string role, string? text, string? name) =>
        counter.CountTextMessage(rules, role, null, name) + (text is null ? 0 : CountText(rules.Tokenizer.Encoding, text));

    private static int CountText(TiktokenEncoding encoding, string text)
    {
        if (Recent.TryGet(encoding, text, out var tokens))
        {
            return tokens;
        }

        tokens = SharedCache.GetOrCount(encoding, text);
        Recent.Add(encoding, text, tokens);
        return tokens;
    }

    /// <summary>Tokens of embedding inputs (no chat framing).</summary>
    public static long CountValues(ModelTokenizer tokenizer, IEnumerable<string> values)
    {
        long encodingTokens = 0;
        foreach (var value in values)
        {
            encodingTokens += string.IsNullOrEmpty(value) ? 0 : tokenizer.Encoding.CountTokens(value);
        }

        return tokenizer.Scale(encodingTokens).Tokens;
    }

    /// <summary>The request in the tokens area's prompt model.</summary>
    public static ChatPrompt ToPrompt(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var prompt = new List<PromptMessage>();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            prompt.Add(new PromptMessage { Role = "system", Content = options.Instructions });
        }

        foreach (var message in messages)
        {
            prompt.Add(ToPromptMessage(message));
        }

        return new ChatPrompt { Messages = prompt, Tools = ToPromptTools(options?.Tools) };
    }

    private static PromptMessage ToPromptMessage(ChatMessage message)
    {
        var contents = message.Contents;
        var name = string.IsNullOrEmpty(message.AuthorName) ? null : message.AuthorName;
        if (contents.Count == 1 && contents[0] is TextContent only)
        {
            // The common case, without a parts list.
            return new PromptMessage { Role = message.Role.Value, Content = only.Text, Name = name };
        }

        var parts = new List<PromptPart>(contents.Count);
        List<PromptToolCall>? calls = null;
        string? toolCallId = null;
        foreach (var content in contents)
        {
            switch (content)
            {
                case TextContent text:
                    parts.Add(new PromptText(text.Text));
                    break;
                case TextReasoningContent reasoning:
                    parts.Add(new PromptText(reasoning.Text));
                    break;
                case FunctionCallContent call:
                    (calls ??= []).Add(new PromptToolCall(call.CallId, call.Name, Json(call.Arguments)));
                    break;
                case FunctionResultContent result:
                    toolCallId ??= result.CallId;
                    parts.Add(new PromptText(result.Result as string ?? Json(result.Result)));
                    break;
                case DataContent data when data.HasTopLevelMediaType("image"):
                case UriContent uri when uri.HasTopLevelMediaType("image"):
                    // Size unknown here: counted at the largest size the provider's formula allows (flagged estimate).
                    parts.Add(new PromptImage(null, null));
                    break;
                case DataContent data when data.HasTopLevelMediaType("audio"):
                    parts.Add(new PromptAudio(null));
                    break;
                case DataContent data when data.HasTopLevelMediaType("text"):
                    parts.Add(new PromptText(System.Text.Encoding.UTF8.GetString(data.Data.Span)));
                    break;
                case UsageContent:
                    break;
                default:
                    parts.Add(new PromptOther(content.GetType().Name));
                    break;
            }
        }

        return new PromptMessage
        {
            Role = message.Role.Value,
            Parts = parts,
            Name = name,
            ToolCalls = calls ?? [],
            ToolCallId = toolCallId,
        };
    }

    private static List<PromptTool> ToPromptTools(IList<AITool>? tools)
    {
        if (tools is null || tools.Count == 0)
        {
            return [];
        }

        var result = new List<PromptTool>(tools.Count);
        foreach (var tool in tools)
        {
            result.Add(new PromptTool(
                tool.Name,
                string.IsNullOrEmpty(tool.Description) ? null : tool.Description,
                tool is AIFunctionDeclaration function ? function.JsonSchema.GetRawText() : null));
        }

        return result;
    }

    private static string Json(object? value)
    {
        if (value is null)
        {
            return "";
        }

        try
        {
            return JsonSerializer.Serialize(value, AIJsonUtilities.DefaultOptions);
        }
        catch (NotSupportedException)
        {
            // A value the serializer cannot write still costs something; count its text form.
            return value.ToString() ?? "";
        }
    }
}
