using Microsoft.Extensions.AI;
using Tollgate.Metering.Fingerprints;
using Tollgate.Tokens;

namespace Tollgate.Extensions.AI.Internal;

/// <summary>
/// The middleware's adapter to <see cref="CanonicalRequest"/>: the same canonical request the gateway reads from a JSON
/// body, built from <see cref="ChatMessage"/>s and <see cref="ChatOptions"/> — text as text, tools as name, description
/// and schema, the sampling parameters under the gateway's names — so a call through either door gets the same
/// fingerprints. Non-text parts (images, tool calls and results) are their JSON here and may differ between the doors.
/// </summary>
internal static class MessageFingerprint
{
    public static RequestFingerprint Chat(IEnumerable<ChatMessage> messages, ChatOptions? options, string model, ModelTokenizer tokenizer)
    {
        var canon = CanonicalRequest.Begin(model);
        var tools = options?.Tools;
        for (var t = 0; t < (tools?.Count ?? 0); t++)
        {
            var tool = tools![t];
            if (tool is AIFunctionDeclaration function)
            {
                canon.Tool(function.Name, function.Description, function.JsonSchema);
            }
            else
            {
                canon.BeginSection();
                canon.Value("definition", tool.Name);
                canon.EndTool();
            }
        }

        if (options?.Instructions is { Length: > 0 } instructions)
        {
            // Sent as the system prompt (the Responses API's "instructions"): a system part before the messages.
            canon.BeginSection();
            canon.Text(instructions);
            canon.EndSystem();
        }

        // Indexed loops where the collections allow: an interface's enumerator is an allocation per loop.
        if (messages is IList<ChatMessage> list)
        {
            for (var m = 0; m < list.Count; m++)
            {
                Message(canon, list[m]);
            }
        }
        else
        {
            foreach (var message in messages)
            {
                Message(canon, message);
            }
        }

        if (options is not null)
        {
            Parameters(canon, options);
        }

        return canon.Finish(tokenizer);
    }

    private static void Message(CanonicalRequest canon, ChatMessage message)
    {
        canon.BeginSection();
        if (message.AuthorName is { } author)
        {
            canon.Value("name", CanonicalValues.String(author));
        }

        var contents = message.Contents;
        for (var c = 0; c < contents.Count; c++)
        {
            switch (contents[c])
            {
                case TextContent text:
                    canon.Text(text.Text);
                    break;
                case FunctionCallContent call:
                    canon.Value("call", call.Name);
                    break;
                case FunctionResultContent result:
                    canon.Value("result", result.Result?.ToString() ?? "");
                    break;
                case DataContent data:
                    canon.Value(data.MediaType, data.Uri);
                    break;
                case UriContent uri:
                    canon.Value(uri.MediaType, uri.Uri.ToString());
                    break;
                case var other:
                    canon.Value(other.GetType().Name, "");
                    break;
            }
        }

        canon.EndMessage(message.Role.Value);
    }

    public static RequestFingerprint Embeddings(IEnumerable<string> values, EmbeddingGenerationOptions? options, string model, ModelTokenizer tokenizer)
    {
        var canon = CanonicalRequest.Begin(model);
        foreach (var value in values)
        {
            canon.BeginSection();
            canon.Text(value);
            canon.EndMessage("input");
        }

        if (options?.Dimensions is { } dimensions)
        {
            canon.Parameter("dimensions", CanonicalValues.Number(dimensions));
        }

        return canon.Finish(tokenizer, withPrefix: false);
    }

    private static void Parameters(CanonicalRequest canon, ChatOptions options)
    {
        if (options.Temperature is { } temperature)
        {
            canon.Parameter("temperature", CanonicalValues.Number(temperature));
        }

        if (options.TopP is { } topP)
        {
            canon.Parameter("top_p", CanonicalValues.Number(topP));
        }

        if (options.TopK is { } topK)
        {
            canon.Parameter("top_k", CanonicalValues.Number(topK));
        }

        if (options.MaxOutputTokens is { } max)
        {
            canon.Parameter("max_output_tokens", CanonicalValues.Number(max));
        }

        if (options.Seed is { } seed)
        {
            canon.Parameter("seed", CanonicalValues.Number(seed));
        }

        if (options.FrequencyPenalty is { } frequency)
        {
            canon.Parameter("frequency_penalty", CanonicalValues.Number(frequency));
        }

        if (options.PresencePenalty is { } presence)
        {
            canon.Parameter("presence_penalty", CanonicalValues.Number(presence));
        }

        if (options.StopSequences is { Count: > 0 } stop)
        {
            canon.Parameter("stop", CanonicalValues.Stop(stop));
        }

        if (CallMeter.ChoicesOf(options.AdditionalProperties) is > 1 and var n)
        {
            canon.Parameter("n", CanonicalValues.Number(n));
        }

        switch (options.ResponseFormat)
        {
            case ChatResponseFormatJson { Schema: null }:
                canon.Parameter("response_format", """{"type":"json_object"}""");
                break;
            case ChatResponseFormatJson { Schema: { } schema } json:
                canon.Parameter("response_format",
                    $$"""{"json_schema":{"name":{{CanonicalValues.String(json.SchemaName ?? "response")}},"schema":{{System.Text.Encoding.UTF8.GetString(CanonicalValues.Json(schema))}}},"type":"json_schema"}""");
                break;
            case ChatResponseFormatText:
                canon.Parameter("response_format", """{"type":"text"}""");
                break;
        }

        switch (options.ToolMode)
        {
            case NoneChatToolMode:
                canon.Parameter("tool_choice", "none");
                break;
            case RequiredChatToolMode { RequiredFunctionName: { } name }:
                canon.Parameter("tool_choice", $$"""{"function":{"name":{{CanonicalValues.String(name)}}},"type":"function"}""");
                break;
            case RequiredChatToolMode:
                canon.Parameter("tool_choice", "required");
                break;
            case AutoChatToolMode:
                canon.Parameter("tool_choice", "auto");
                break;
        }
    }
}
