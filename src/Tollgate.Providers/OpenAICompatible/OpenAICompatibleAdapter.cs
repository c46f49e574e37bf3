using System.Net.Http.Headers;
using System.Text.Json;
using Tollgate.Metering;
using Tollgate.Providers.Streaming;

namespace Tollgate.Providers.OpenAICompatible;

/// <summary>
/// OpenAI chat completions and everything that speaks it (Groq, Mistral, DeepSeek, Together, Fireworks, xAI,
/// OpenRouter, Ollama, vLLM) plus Azure OpenAI deployments. The request body is forwarded as received; only a
/// stream gets <c>stream_options.include_usage</c> so its usage is observed.
/// </summary>
internal sealed class OpenAICompatibleAdapter(ProviderOptions options, HttpClient http, TimeProvider timeProvider, Func<string, string?>? environment)
    : HttpProviderAdapter(options, http, timeProvider, environment)
{
    protected override HttpRequestMessage CreateRequest(ChatRequest request, string model, string? apiKey)
    {
        HttpRequestMessage message;
        if (Options.Api == ProviderApi.AzureOpenAI)
        {
            var deployment = Options.Deployments.TryGetValue(request.Model, out var d) ? d : model;
            message = new HttpRequestMessage(HttpMethod.Post, Endpoint(
                $"openai/deployments/{Uri.EscapeDataString(deployment)}/chat/completions?api-version={Uri.EscapeDataString(Options.ApiVersion!)}"));
            if (apiKey is not null)
            {
                message.Headers.TryAddWithoutValidation("api-key", apiKey);
            }
        }
        else
        {
            message = new HttpRequestMessage(HttpMethod.Post, Endpoint("chat/completions"));
            if (apiKey is not null)
            {
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            }
        }

        if (request.Stream)
        {
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        message.Content = JsonContent(request.BodyForOpenAICompatible(model));
        return message;
    }

    protected override TranslatedResponse TranslateResponse(byte[] body, string model)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var usage = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("usage", out var u) ? UsageDialect.BuiltIn(PricingProviderId, UsageWire.OpenAiChat).ReadUsageObject(u) : null;
        string? finish = null;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0 &&
            choices[0].TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String)
        {
            finish = f.GetString();
        }

        return new TranslatedResponse(body, usage, finish);
    }

    protected override StreamTranslator CreateStreamTranslator(ChatRequest request, string model) => new OpenAIPassthroughStream(PricingProviderId);
}
