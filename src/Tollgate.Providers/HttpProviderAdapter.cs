using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Providers.Streaming;
using Tollgate.Providers.Timeouts;

namespace Tollgate.Providers;

/// <summary>The HTTP plumbing every adapter shares: key resolution, timeout, failures as results, error bodies in OpenAI format.</summary>
internal abstract class HttpProviderAdapter : IProviderAdapter
{
    protected HttpProviderAdapter(ProviderOptions options, HttpClient http, TimeProvider timeProvider, Func<string, string?>? environment)
    {
        options.Validate();
        Options = options;
        Http = http;
        Time = timeProvider;
        Environment = environment;
    }

    public string Name => Options.Name;

    public ProviderApi Api => Options.Api;

    public string? PricingProviderId => Options.PricingProviderId;

    protected ProviderOptions Options { get; }

    protected HttpClient Http { get; }

    protected TimeProvider Time { get; }

    private Func<string, string?>? Environment { get; }

    public async ValueTask<ProviderResponse> SendChatAsync(ChatRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = Options.UpstreamModel(request.Model);
        var key = Options.ResolveApiKey(Environment);
        if (key is null && Options.RequiresApiKey)
        {
            var where = Options.ApiKeyEnvironmentVariable is { } variable ? $"set {variable} or api_key in the configuration" : "set api_key in the configuration";
            return Failed(model, new ProviderFailure(ProviderFailureKind.MissingApiKey, 0, $"no API key for provider '{Name}': {where}"));
        }

        using var message = CreateRequest(request, model, key);
        foreach (var (name, value) in Options.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        var deadline = DeadlineStream.DeadlineOf(Time.GetTimestamp(), Options.TotalTimeout, Time);
        var firstByteLimit = UpstreamTimeouts.FirstByte(Options, deadline, Time);
        UpstreamConnect.Limit(message, Options.ConnectTimeout);
        var sent = message.Content is { } content ? new SendTrackingContent(content) : null;
        message.Content = sent;
        using var timeout = new CancellationTokenSource(firstByteLimit, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        HttpResponseMessage response;
        try
        {
            response = await Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(model, new ProviderFailure(ProviderFailureKind.Timeout, 0, $"provider '{Name}' did not answer within {firstByteLimit.TotalSeconds:0.###} s (time to first byte)")
            {
                RequestSent = sent?.Sent == true,
            });
        }
        catch (HttpRequestException ex) when (ex.InnerException is TimeoutException connect)
        {
            return Failed(model, new ProviderFailure(ProviderFailureKind.Timeout, 0, Secrets.Truncate($"provider '{Name}': {connect.Message}")));
        }
        catch (HttpRequestException ex)
        {
            return Failed(model, new ProviderFailure(ProviderFailureKind.Network, 0, Secrets.Truncate(Secrets.Redact($"provider '{Name}' could not be reached: {ex.Message}", key))));
        }

        var status = (int)response.StatusCode;
        try
        {
            if (status is < 200 or >= 300)
            {
                using (response)
                {
                    var retryAfter = RetryAfterOf(response);
                    var text = Secrets.Redact(await ReadTextAsync(response, linked.Token), key);
                    var (errorMessage, errorType) = ErrorOf(text);
                    var failure = new ProviderFailure(ProviderFailure.KindOf(status), status, Secrets.Truncate($"provider '{Name}' answered {status}: {errorMessage}"), retryAfter);
                    return new ProviderResponse(Name, model, status, ErrorBody(errorMessage, errorType, status), null, null, failure);
                }
            }

            if (request.Stream)
            {
                return new ProviderResponse(Name, model, response, CreateStreamTranslator(request, model), key)
                {
                    Limits = new StreamLimits(Options.IdleTimeout, deadline, Time),
                };
            }

            using (response)
            {
                byte[] body;
                await using (var stream = new DeadlineStream(await response.Content.ReadAsStreamAsync(cancellationToken), Options.IdleTimeout, deadline, Time))
                {
                    using var buffer = new MemoryStream();
                    await stream.CopyToAsync(buffer, cancellationToken);
                    body = buffer.ToArray();
                }

                var translated = TranslateResponse(body, model);
                return new ProviderResponse(Name, model, status, translated.Body, translated.Usage, translated.FinishReason, null);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            response.Dispose();
            return Failed(model, new ProviderFailure(ProviderFailureKind.Timeout, status, $"provider '{Name}' did not finish its answer within {Options.Timeout.TotalSeconds:0.###} s"));
        }
        catch (UpstreamTimeoutException ex)
        {
            response.Dispose();
            return Failed(model, new ProviderFailure(ProviderFailureKind.Timeout, status, $"provider '{Name}' stalled its answer: {ex.Message}"));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            response.Dispose();
            return Failed(model, new ProviderFailure(ProviderFailureKind.Network, status, Secrets.Truncate(Secrets.Redact($"provider '{Name}' broke off its answer: {ex.Message}", key))));
        }
        catch (JsonException ex)
        {
            response.Dispose();
            return Failed(model, new ProviderFailure(ProviderFailureKind.ServerError, status, Secrets.Truncate($"provider '{Name}' sent a body that is not valid JSON: {ex.Message}")));
        }
    }

    /// <summary>Builds the upstream request (URL, headers with the key, translated body).</summary>
    protected abstract HttpRequestMessage CreateRequest(ChatRequest request, string model, string? apiKey);

    /// <summary>Turns a successful non-streaming upstream body into an OpenAI <c>chat.completion</c>.</summary>
    protected abstract TranslatedResponse TranslateResponse(byte[] body, string model);

    protected abstract StreamTranslator CreateStreamTranslator(ChatRequest request, string model);

    protected long UnixNow() => Time.GetUtcNow().ToUnixTimeSeconds();

    protected Uri Endpoint(string relative)
    {
        var baseText = Options.BaseUrl!.ToString().TrimEnd('/');
        return new Uri(baseText + "/" + relative.TrimStart('/'));
    }

    protected static HttpContent JsonContent(ReadOnlyMemory<byte> body)
    {
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private ProviderResponse Failed(string model, ProviderFailure failure)
    {
        var type = failure.Kind switch
        {
            ProviderFailureKind.Timeout => "timeout",
            ProviderFailureKind.MissingApiKey => "configuration_error",
            _ => "upstream_error",
        };
        return new ProviderResponse(Name, model, failure.StatusCode, ErrorBody(failure.Message, type, failure.StatusCode == 0 ? null : failure.StatusCode), null, null, failure);
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var msValues) &&
            double.TryParse(msValues.FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
            {
                return delta;
            }

            if (retryAfter.Date is { } date)
            {
                var wait = date - Time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return null;
    }

    private static async Task<string> ReadTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>The message and type of an upstream error body (OpenAI, Anthropic and Gemini shapes), or the raw text.</summary>
    private static (string Message, string Type) ErrorOf(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
            {
                root = root[0];
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.String)
                {
                    return (error.GetString()!, "upstream_error");
                }

                var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : error.ToString();
                var type = error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()!
                    : error.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "upstream_error";
                return (message, type);
            }
        }
        catch (JsonException)
        {
        }

        return (text.Length == 0 ? "(empty body)" : Secrets.Truncate(text, 500), "upstream_error");
    }

    private static byte[] ErrorBody(string message, string type, int? code)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", type);
            if (code is { } c)
            {
                writer.WriteNumber("code", c);
            }
            else
            {
                writer.WriteNull("code");
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A successful body in OpenAI format with what was observed in it.</summary>
    protected readonly record struct TranslatedResponse(byte[] Body, Usage? Usage, string? FinishReason);
}
