using System.Text.Json;
using Microsoft.Extensions.AI;
using Tollgate.Tokens;

namespace Tollgate.Extensions.AI.Internal;

/// <summary>
/// Counts the prompt tokens of a Microsoft.Extensions.AI request with the model's tokenizer: message text,
/// function calls and results, the instructions, and (separately) the tool definitions. Framing follows
/// OpenAI's chat format (3 tokens per message plus 1 for its role, 3 to prime the reply); images count as one high-detail tile set.
/// It feeds the worst-case hold and the bill of a call whose provider reported no usage (flagged estimated).
/// </summary>
internal static class PromptCounter
{
    private const int TokensPerMessage = 3;
    private const int ReplyPrimingTokens = 3;

    /// <summary>OpenAI's high-detail cost of a 1024×1024 image (85 + 4 tiles × 170); other providers charge less or similar.</summary>
    private const int TokensPerImage = 765;

    /// <summary>The tokenizer for <paramref name="model"/>, or <c>o200k_base</c> flagged as an estimate when no rule knows it.</summary>
    public static ModelTokenizer TokenizerFor(string model, out bool estimate)
    {
        if (TokenizerRegistry.TryForModel(model, out var tokenizer))
        {
            estimate = tokenizer.IsEstimate;
            return tokenizer;
        }

        estimate = true;
        return Fallback;
    }

    private static readonly ModelTokenizer Fallback = TokenizerRegistry.ForEncoding(TiktokenEncoding.O200kBase);

    public static long CountMessages(ModelTokenizer tokenizer, IEnumerable<ChatMessage> messages, string? instructions)
    {
        long encodingTokens = ReplyPrimingTokens;
        long images = 0;
        if (!string.IsNullOrEmpty(instructions))
        {
            encodingTokens += TokensPerMessage + 1 + tokenizer.Encoding.CountTokens(instructions);
        }

        foreach (var message in messages)
        {
            // Every chat role (system, user, assistant, tool) is one token in OpenAI's format.
            encodingTokens += TokensPerMessage + 1;
            if (message.AuthorName is { Length: > 0 } name)
            {
                encodingTokens += 1 + tokenizer.Encoding.CountTokens(name);
            }

            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent text:
                        encodingTokens += Count(tokenizer, text.Text);
                        break;
                    case TextReasoningContent reasoning:
                        encodingTokens += Count(tokenizer, reasoning.Text);
                        break;
                    case FunctionCallContent call:
                        encodingTokens += Count(tokenizer, call.Name) + CountJson(tokenizer, call.Arguments);
                        break;
                    case FunctionResultContent result:
                        encodingTokens += result.Result is string s ? Count(tokenizer, s) : CountJson(tokenizer, result.Result);
                        break;
                    case DataContent data when data.HasTopLevelMediaType("image"):
                    case UriContent uri when uri.HasTopLevelMediaType("image"):
                        images++;
                        break;
                    case DataContent data when data.HasTopLevelMediaType("text"):
                        encodingTokens += Count(tokenizer, System.Text.Encoding.UTF8.GetString(data.Data.Span));
                        break;
                }
            }
        }

        return tokenizer.Scale(encodingTokens).Tokens + (images * TokensPerImage);
    }

    /// <summary>Tokens of the tool definitions (name, description, parameter schema) the request sends.</summary>
    public static long CountTools(ModelTokenizer tokenizer, IList<AITool>? tools)
    {
        if (tools is null || tools.Count == 0)
        {
            return 0;
        }

        long encodingTokens = 0;
        foreach (var tool in tools)
        {
            encodingTokens += TokensPerMessage + Count(tokenizer, tool.Name) + Count(tokenizer, tool.Description);
            if (tool is AIFunctionDeclaration function)
            {
                encodingTokens += Count(tokenizer, function.JsonSchema.GetRawText());
            }
        }

        return tokenizer.Scale(encodingTokens).Tokens;
    }

    /// <summary>Tokens of embedding inputs (no chat framing).</summary>
    public static long CountValues(ModelTokenizer tokenizer, IEnumerable<string> values)
    {
        long encodingTokens = 0;
        foreach (var value in values)
        {
            encodingTokens += Count(tokenizer, value);
        }

        return tokenizer.Scale(encodingTokens).Tokens;
    }

    private static int Count(ModelTokenizer tokenizer, string? text) =>
        string.IsNullOrEmpty(text) ? 0 : tokenizer.Encoding.CountTokens(text);

    private static int CountJson(ModelTokenizer tokenizer, object? value)
    {
        if (value is null)
        {
            return 0;
        }

        try
        {
            return Count(tokenizer, JsonSerializer.Serialize(value, AIJsonUtilities.DefaultOptions));
        }
        catch (NotSupportedException)
        {
            // A value the serializer cannot write still costs something; count its text form.
            return Count(tokenizer, value.ToString());
        }
    }
}
