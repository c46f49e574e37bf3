using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Metering;
using Tollgate.Providers.OpenAICompatible;

namespace Tollgate.Providers.Gemini;

/// <summary>Translates a Gemini <c>generateContent</c> response into an OpenAI <c>chat.completion</c>.</summary>
internal static class GeminiResponseTranslator
{
    public static (byte[] Body, Usage? Usage, string? FinishReason) Translate(byte[] body, string model, long created)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var candidate = GeminiCandidate.Read(root);
        var usage = root.TryGetProperty("usageMetadata", out var metadata) ? UsageDialect.BuiltIn("google", UsageWire.Gemini).ReadUsageObject(metadata) : null;
        var finish = GeminiCandidate.FinishReason(candidate.RawFinishReason ?? "STOP", candidate.FunctionCalls.Count > 0);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", root.TryGetProperty("responseId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : "gemini");
            writer.WriteString("object", "chat.completion");
            writer.WriteNumber("created", created);
            writer.WriteString("model", root.TryGetProperty("modelVersion", out var version) && version.ValueKind == JsonValueKind.String ? version.GetString() : model);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("message");
            writer.WriteString("role", "assistant");
            if (candidate.Text is null)
            {
                writer.WriteNull("content");
            }
            else
            {
                writer.WriteString("content", candidate.Text);
            }

            if (candidate.FunctionCalls.Count > 0)
            {
                writer.WriteStartArray("tool_calls");
                var index = 0;
                foreach (var (callId, name, arguments) in candidate.FunctionCalls)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", callId ?? $"call_{index}");
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", name);
                    writer.WriteString("arguments", arguments);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    index++;
                }

                writer.WriteEndArray();
            }

            writer.WriteNull("refusal");
            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", finish);
            writer.WriteEndObject();
            writer.WriteEndArray();
            if (usage is not null)
            {
                OpenAIUsage.Write(writer, usage);
            }

            writer.WriteEndObject();
        }

        return (buffer.ToArray(), usage, finish);
    }
}
