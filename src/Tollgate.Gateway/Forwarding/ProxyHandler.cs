using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tollgate.Costing;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Observability;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The proxy endpoints' walk: key → body → route → admit (rate limit, reserve) → forward → settle → record.
/// OpenAI-compatible bodies are forwarded byte for byte unless the model name or <c>stream_options</c> must change.
/// </summary>
internal sealed class ProxyHandler(
    KeyAuthenticator authenticator,
    ModelRouter router,
    CallAccounting accounting,
    GatewayMetrics metrics,
    TimeProvider time,
    long maxBodyBytes,
    ILogger<ProxyHandler> logger)
{
    internal const string RequestIdHeader = "x-tollgate-request-id";
    internal const string CostHeader = "x-tollgate-cost";
    internal const string BudgetRemainingHeader = "x-tollgate-budget-remaining";
    internal const string EstimatedHeader = "x-tollgate-cost-estimated";

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    public Task ChatCompletionsAsync(HttpContext context) => HandleAsync(context, Operation.Chat);

    public Task EmbeddingsAsync(HttpContext context) => HandleAsync(context, Operation.Embeddings);

    public Task MessagesAsync(HttpContext context) => HandleAsync(context, Operation.Messages);

    internal enum Operation
    {
        Chat,
        Embeddings,
        Messages,
    }

    private async Task HandleAsync(HttpContext context, Operation operation)
    {
        metrics.RequestStarted();
        try
        {
            await HandleCoreAsync(context, operation);
        }
        finally
        {
            metrics.RequestEnded();
        }
    }

    private async Task HandleCoreAsync(HttpContext context, Operation operation)
    {
        var aborted = context.RequestAborted;
        var requestId = RequestIds.Next();
        var response = context.Response;
        response.Headers[RequestIdHeader] = requestId;

        var auth = await authenticator.AuthenticateAsync(context.Request, aborted);
        if (auth.Key is not { } key)
        {
            metrics.Refused("invalid_key");
            await OpenAiError.Unauthorized(context, auth.Error!);
            return;
        }

        if (key.IsAdmin)
        {
            metrics.Refused("admin_key");
            await OpenAiError.Forbidden(context, "an admin key cannot make model calls: create a virtual key with POST /admin/keys and use that");
            return;
        }

        var (body, tooLarge) = await RequestBodyReader.ReadAsync(context.Request, maxBodyBytes, aborted);
        if (body is null)
        {
            metrics.Refused("body_too_large");
            await OpenAiError.WriteAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"the request body is larger than {maxBodyBytes} bytes: send a smaller request (the limit is maxRequestBodyBytes)", "invalid_request_error", "request_too_large");
            return;
        }

        using (body)
        {
            var problem = RequestInspector.Inspect(body.Span, out var info);
            if (problem is not null)
            {
                metrics.Refused("bad_request");
                await OpenAiError.BadRequest(context, problem, code: "invalid_json");
                return;
            }

            if (string.IsNullOrEmpty(info.Model))
            {
                metrics.Refused("bad_request");
                await OpenAiError.BadRequest(context, "\"model\" is missing: name the model to call, e.g. \"gpt-4o-mini\" (GET /v1/models lists them)", "model", "missing_model");
                return;
            }

            if (operation == Operation.Embeddings && info.Stream)
            {
                metrics.Refused("bad_request");
                await OpenAiError.BadRequest(context, "embeddings cannot be streamed: remove \"stream\"", "stream");
                return;
            }

            var format = operation == Operation.Messages ? WireFormat.Anthropic : WireFormat.OpenAI;
            var route = router.Resolve(info.Model, format);
            if (route is not { } resolved)
            {
                metrics.Refused("model_not_found");
                await OpenAiError.NotFound(context,
                    $"the model '{info.Model}' is not served by any configured provider{(operation == Operation.Messages ? " that speaks the Anthropic messages API" : "")}: GET /v1/models lists the models available (names match exactly; 'provider/model' picks a provider)",
                    "model_not_found");
                return;
            }

            var call = new CallContext
            {
                RequestId = requestId,
                Key = key,
                Operation = operation == Operation.Embeddings ? "embeddings" : "chat",
                RequestedModel = info.Model,
                Endpoint = resolved.Endpoint,
                UpstreamModel = resolved.UpstreamModel,
                Stream = info.Stream,
                StartTimestamp = time.GetTimestamp(),
                StartedAt = time.GetUtcNow(),
            };

            accounting.Estimate(call, body.Span, info);
            var admission = await accounting.AdmitAsync(call, aborted);
            if (!admission.Allowed)
            {
                metrics.Refused(admission.Code ?? "refused");
                if (admission.RetryAfter is { } retryAfter)
                {
                    response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                await OpenAiError.WriteAsync(context, admission.Status, admission.Message!, admission.Status == 429 ? "rate_limit_error" : "invalid_request_error", admission.Code, extra: admission.Details);
                return;
            }

            if (call.BudgetRemaining is { } remainingAfterHold)
            {
                response.Headers[BudgetRemainingHeader] = Money.Format(remainingAfterHold);
            }

            await ForwardAsync(context, call, body, info, aborted);
        }
    }

    private async Task ForwardAsync(HttpContext context, CallContext call, PooledBuffer body, RequestInfo info, CancellationToken aborted)
    {
        var endpoint = call.Endpoint;
        var ensureUsage = endpoint.Format == WireFormat.OpenAI;
        PooledBuffer? patched = null;
        var upstreamModel = endpoint.Format == WireFormat.OpenAI || endpoint.Format == WireFormat.Anthropic ? call.UpstreamModel : null;
        if (BodyPatcher.NeedsPatch(info, upstreamModel, ensureUsage))
        {
            patched = BodyPatcher.Patch(body.Span, info, upstreamModel, ensureUsage);
        }

        var sendBody = patched ?? body;
        var uri = call.Operation == "embeddings" ? endpoint.EmbeddingsUri : endpoint.Format == WireFormat.Anthropic ? endpoint.MessagesUri : endpoint.ChatCompletionsUri;
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(sendBody.Array, 0, sendBody.Length),
        };
        request.Content.Headers.ContentType = JsonContentType;
        AddCredentials(request, endpoint, context.Request);

        HttpResponseMessage upstreamResponse;
        try
        {
            upstreamResponse = await endpoint.Invoker.SendAsync(request, aborted);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException)
        {
            patched?.Dispose();
            await accounting.ReleaseAsync(call, CancellationToken.None);
            if (aborted.IsCancellationRequested)
            {
                return;
            }

            // Never reached the provider (connection refused, DNS, timeout before headers): nothing billed.
            logger.LogWarning("provider {Provider} unreachable for request {RequestId}: {Error}", endpoint.Name, call.RequestId, ex.GetType().Name);
            metrics.RecordCall(endpoint.Name, call.UpstreamModel, 502, 0, 0, 0, Elapsed(call), call.Operation);
            await OpenAiError.WriteAsync(context, StatusCodes.Status502BadGateway,
                $"the provider '{endpoint.Name}' could not be reached ({ex.GetType().Name}); nothing was billed", "upstream_error", "provider_unreachable");
            return;
        }

        using (upstreamResponse)
        {
            patched?.Dispose();
            var status = (int)upstreamResponse.StatusCode;
            var mediaType = upstreamResponse.Content.Headers.ContentType?.MediaType;
            using var observer = new ResponseObserver(endpoint.Format, collectText: call.Stream);
            if (call.Stream && status == 200 && string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                await RelayStreamAsync(context, call, upstreamResponse, observer, aborted);
                return;
            }

            await RelayBodyAsync(context, call, upstreamResponse, observer, status, aborted);
        }
    }

    private async Task RelayBodyAsync(HttpContext context, CallContext call, HttpResponseMessage upstreamResponse, ResponseObserver observer, int status, CancellationToken aborted)
    {
        var response = context.Response;
        var declared = upstreamResponse.Content.Headers.ContentLength;
        using var responseBody = new PooledBuffer((int)Math.Min(declared ?? 8192, 16 * 1024 * 1024));
        bool cut = false;
        try
        {
            await using var stream = await upstreamResponse.Content.ReadAsStreamAsync(aborted);
            while (true)
            {
                var read = await stream.ReadAsync(responseBody.GetMemory(8192), aborted);
                if (read == 0)
                {
                    break;
                }

                responseBody.Advance(read);
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            cut = true;
        }

        if (status is >= 200 and < 300)
        {
            observer.Observe(responseBody.Span);
        }

        // The attempt reached the provider: it is settled and recorded whatever its status.
        var settlement = await accounting.SettleAsync(call, observer, status, cutOff: cut || (status is >= 200 and < 300 && !observer.UsageReported), CancellationToken.None);
        if (aborted.IsCancellationRequested)
        {
            return;
        }

        if (cut)
        {
            await OpenAiError.WriteAsync(context, StatusCodes.Status502BadGateway,
                $"the provider '{call.Endpoint.Name}' stopped answering mid-response; the attempt was recorded at its estimated cost", "upstream_error", "provider_cut_off");
            return;
        }

        response.StatusCode = status;
        var contentType = upstreamResponse.Content.Headers.ContentType?.ToString();
        response.ContentType = contentType ?? "application/json";
        WriteCostHeaders(response, settlement);
        response.ContentLength = responseBody.Length;
        await response.Body.WriteAsync(responseBody.Memory, aborted);
    }

    private async Task RelayStreamAsync(HttpContext context, CallContext call, HttpResponseMessage upstreamResponse, ResponseObserver observer, CancellationToken aborted)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = upstreamResponse.Content.Headers.ContentType?.ToString() ?? "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(aborted);

        Settlement? early = null;
        SseRelay.End end;
        await using (var stream = await upstreamResponse.Content.ReadAsStreamAsync(CancellationToken.None))
        {
            end = await SseRelay.RelayAsync(stream, response.BodyWriter, observer, (obs, output) =>
            {
                // Priced as soon as the usage event arrives, so the cost can travel inside it.
                var s = accounting.Price(call, obs, cutOff: false);
                early = s;
                CostAnnotation.Write(output, call.RequestId, s);
            }, aborted);
        }

        var cutOff = end != SseRelay.End.Completed || !observer.UsageReported;
        await accounting.SettleAsync(call, observer, 200, cutOff, CancellationToken.None, early is { } e && !cutOff ? e : null);
    }

    private static void WriteCostHeaders(HttpResponse response, Settlement settlement)
    {
        response.Headers[CostHeader] = Money.Format(settlement.Cost.TotalCost);
        if (settlement.Estimated)
        {
            response.Headers[EstimatedHeader] = "true";
        }

        if (settlement.BudgetRemaining is { } remaining)
        {
            response.Headers[BudgetRemainingHeader] = Money.Format(remaining);
        }
    }

    private static void AddCredentials(HttpRequestMessage request, UpstreamEndpoint endpoint, HttpRequest incoming)
    {
        if (endpoint.Format == WireFormat.Anthropic)
        {
            if (endpoint.ApiKey is not null)
            {
                request.Headers.TryAddWithoutValidation("x-api-key", endpoint.ApiKey);
            }

            var version = incoming.Headers["anthropic-version"];
            request.Headers.TryAddWithoutValidation("anthropic-version", version.Count > 0 ? version.ToString() : "2023-06-01");
            var beta = incoming.Headers["anthropic-beta"];
            if (beta.Count > 0)
            {
                request.Headers.TryAddWithoutValidation("anthropic-beta", beta.ToString());
            }

            return;
        }

        if (endpoint.AuthorizationValue is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", endpoint.AuthorizationValue);
        }
    }

    private double Elapsed(CallContext call) => time.GetElapsedTime(call.StartTimestamp).TotalSeconds;
}
