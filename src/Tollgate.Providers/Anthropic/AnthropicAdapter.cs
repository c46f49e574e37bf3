using System.Net.Http.Headers;
using Tollgate.Providers.Streaming;

namespace Tollgate.Providers.Anthropic;

/// <summary>Anthropic Messages API (<c>POST {base}/v1/messages</c>, base <c>https://api.anthropic.com</c>, <c>x-api-key</c>, <c>anthropic-version</c>).</summary>
internal sealed class AnthropicAdapter(ProviderOptions options, HttpClient http, TimeProvider timeProvider, Func<string, string?>? environment)
    : HttpProviderAdapter(options, http, timeProvider, environment)
{
    protected override HttpRequestMessage CreateRequest(ChatRequest request, string model, string? apiKey)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, Endpoint("v1/messages"));
        if (apiKey is not null)
        {
            message.Headers.TryAddWithoutValidation("x-api-key", apiKey);
        }

        message.Headers.TryAddWithoutValidation("anthropic-version", Options.ApiVersion ?? "2023-06-01");
        if (request.Stream)
        {
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        message.Content = JsonContent(AnthropicRequestTranslator.Translate(request, model, Options.DefaultMaxTokens));
        return message;
    }

    protected override TranslatedResponse TranslateResponse(byte[] body, string model)
    {
        var (translated, usage, finish) = AnthropicResponseTranslator.Translate(body, model, UnixNow());
        return new TranslatedResponse(translated, usage, finish);
    }

    protected override StreamTranslator CreateStreamTranslator(ChatRequest request, string model) => new AnthropicStreamTranslator(model, UnixNow());
}
