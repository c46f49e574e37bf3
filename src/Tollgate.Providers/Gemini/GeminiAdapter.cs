using System.Net.Http.Headers;
using Tollgate.Providers.Streaming;

namespace Tollgate.Providers.Gemini;

/// <summary>
/// Google Gemini API: <c>{base}/v1beta/models/{model}:generateContent</c> (base <c>https://generativelanguage.googleapis.com</c>) and
/// <c>:streamGenerateContent?alt=sse</c>, key in the <c>x-goog-api-key</c> header (never in the URL).
/// </summary>
internal sealed class GeminiAdapter(ProviderOptions options, HttpClient http, TimeProvider timeProvider, Func<string, string?>? environment)
    : HttpProviderAdapter(options, http, timeProvider, environment)
{
    protected override HttpRequestMessage CreateRequest(ChatRequest request, string model, string? apiKey)
    {
        var path = request.Stream
            ? $"v1beta/models/{Uri.EscapeDataString(model)}:streamGenerateContent?alt=sse"
            : $"v1beta/models/{Uri.EscapeDataString(model)}:generateContent";
        var message = new HttpRequestMessage(HttpMethod.Post, Endpoint(path));
        if (apiKey is not null)
        {
            message.Headers.TryAddWithoutValidation("x-goog-api-key", apiKey);
        }

        if (request.Stream)
        {
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        message.Content = JsonContent(GeminiRequestTranslator.Translate(request));
        return message;
    }

    protected override TranslatedResponse TranslateResponse(byte[] body, string model)
    {
        var (translated, usage, finish) = GeminiResponseTranslator.Translate(body, model, UnixNow());
        return new TranslatedResponse(translated, usage, finish);
    }

    protected override StreamTranslator CreateStreamTranslator(ChatRequest request, string model) => new GeminiStreamTranslator(model, UnixNow());
}
