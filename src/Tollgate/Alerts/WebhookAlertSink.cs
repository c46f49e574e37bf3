using System.Text.Json;
using System.Text.Json.Serialization;
using Polly;
using Polly.Retry;

namespace Tollgate.Alerts;

/// <summary>
/// POSTs alerts as Slack-compatible JSON (<c>{"text": …, "blocks": […]}</c> plus Tollgate's own fields) or as
/// Tollgate's plain JSON schema (<see cref="AlertPayload"/>, <c>"schema": "tollgate.alert.v1"</c>),
/// retrying failures (network errors, 408/429/5xx) with exponential backoff.
/// </summary>
public sealed class WebhookAlertSink : IAlertSink
{
    private readonly HttpClient _http;
    private readonly WebhookAlertSinkOptions _options;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public WebhookAlertSink(HttpClient http, WebhookAlertSinkOptions options, TimeProvider? timeProvider = null)
    {
        options.Validate();
        _http = http;
        _options = options;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider ?? TimeProvider.System }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                Delay = options.FirstRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TaskCanceledException>(ex => !ex.CancellationToken.IsCancellationRequested)
                    .HandleResult(r => (int)r.StatusCode is 408 or 429 or >= 500),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.Timeout)
            .Build();
        if (options.MaxRetries == 0)
        {
            _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>().AddTimeout(options.Timeout).Build();
        }
    }

    public string Name => "webhook";

    public async ValueTask SendAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        // Buffered bytes (Content-Length, not chunked): simple receivers and proxies handle it, and retries resend it.
        var body = _options.Format == WebhookFormat.Json
            ? JsonSerializer.SerializeToUtf8Bytes(AlertPayload.From(alert))
            : JsonSerializer.SerializeToUtf8Bytes(SlackPayload.From(alert));
        using var response = await _pipeline.ExecuteAsync(
            async (state, ct) =>
            {
                using var content = new ByteArrayContent(state.Body);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                return await state.Http.PostAsync(state.Url, content, ct);
            },
            (Http: _http, Url: _options.Url!, Body: body),
            cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"webhook answered {(int)response.StatusCode} after {_options.MaxRetries} retries", null, response.StatusCode);
        }
    }

    /// <summary>Slack's incoming-webhook shape; extra fields are ignored by Slack and useful to other receivers.</summary>
    internal sealed record SlackPayload(
        [property: JsonPropertyName("text")] string Text,
        [property: JsonPropertyName("blocks")] IReadOnlyList<SlackBlock> Blocks,
        [property: JsonPropertyName("severity")] string Severity,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("budget_id")] string? BudgetId,
        [property: JsonPropertyName("window")] string? Window,
        [property: JsonPropertyName("at")] DateTimeOffset At,
        [property: JsonPropertyName("details")] IReadOnlyDictionary<string, string> Details)
    {
        public static SlackPayload From(Alert a)
        {
            var text = $"[{a.Severity.ToString().ToUpperInvariant()}] {a.Message}";
            return new SlackPayload(text, [new SlackBlock("section", new SlackText("mrkdwn", text))], a.Severity.ToString().ToUpperInvariant(), a.Kind, a.BudgetId, a.WindowKey, a.At, a.Details);
        }
    }

    internal sealed record SlackBlock([property: JsonPropertyName("type")] string Type, [property: JsonPropertyName("text")] SlackText Text);

    internal sealed record SlackText([property: JsonPropertyName("type")] string Type, [property: JsonPropertyName("text")] string Text);
}
