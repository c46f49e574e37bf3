using System.Text;
using System.Text.Json;

namespace Tollgate.Providers.Gemini;

/// <summary>The first candidate of a Gemini response (or stream chunk), read into OpenAI terms.</summary>
internal sealed class GeminiCandidate
{
    public string? Text { get; private set; }

    public List<(string? Id, string Name, string Arguments)> FunctionCalls { get; } = [];

    /// <summary>Gemini's raw finishReason (STOP, MAX_TOKENS, SAFETY, …); null while the answer continues.</summary>
    public string? RawFinishReason { get; private set; }

    public static GeminiCandidate Read(JsonElement response)
    {
        var candidate = new GeminiCandidate();
        if (!response.TryGetProperty("candidates", out var candidates) || candidates.ValueKind != JsonValueKind.Array || candidates.GetArrayLength() == 0)
        {
            if (response.TryGetProperty("promptFeedback", out var feedback) && feedback.TryGetProperty("blockReason", out _))
            {
                candidate.RawFinishReason = "SAFETY";
            }

            return candidate;
        }

        var first = candidates[0];
        if (first.TryGetProperty("content", out var content) && content.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
        {
            StringBuilder? text = null;
            foreach (var part in parts.EnumerateArray())
            {
                // Thought summaries are not part of the answer.
                if (part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True)
                {
                    continue;
                }

                if (part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                {
                    (text ??= new StringBuilder()).Append(t.GetString());
                }
                else if (part.TryGetProperty("functionCall", out var call))
                {
                    candidate.FunctionCalls.Add((
                        call.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null,
                        call.GetProperty("name").GetString() ?? "",
                        call.TryGetProperty("args", out var args) ? args.GetRawText() : "{}"));
                }
            }

            candidate.Text = text?.ToString();
        }

        if (first.TryGetProperty("finishReason", out var finish) && finish.ValueKind == JsonValueKind.String)
        {
            candidate.RawFinishReason = finish.GetString();
        }

        return candidate;
    }

    /// <summary>Gemini finishReason → OpenAI finish_reason.</summary>
    public static string? FinishReason(string? raw, bool calledFunctions) => raw switch
    {
        null => null,
        "STOP" or "FINISH_REASON_UNSPECIFIED" => calledFunctions ? "tool_calls" : "stop",
        "MAX_TOKENS" => "length",
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" => "content_filter",
        _ => calledFunctions ? "tool_calls" : "stop",
    };
}
