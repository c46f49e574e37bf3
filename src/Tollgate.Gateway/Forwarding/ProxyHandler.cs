using System.Globalization;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Tollgate.Costing;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Observability;
using Tollgate.Providers;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The proxy endpoints' walk: key → body → route → admit (budget hold) → forward → settle → record.
/// OpenAI-compatible bodies are forwarded byte for byte unless the model name or <c>stream_options</c> must change;
/// other APIs go through the provider adapters' translation. A failed attempt (unreachable, 429, 5xx) falls back
/// to the next healthy provider for the model; every attempt that reached a provider is recorded.
/// </summary>
internal sealed class ProxyHandler(
    KeyAuthenticator authenticator,
    ModelRouter router,
    ProviderRegistry registry,
    HealthMonitor health,
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
    internal const string ProviderHeader = "x-tollgate-provider";

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

        var (body, _) = await RequestBodyReader.ReadAsync(context.Request, maxBodyBytes, aborted);
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

            if (operation == Operation.Chat && info.PromptStart < 0)
            {
                metrics.Refused("bad_request");
                await OpenAiError.BadRequest(context, "\"messages\" is missing: send the conversation as an array of {\"role\", \"content\"} objects", "messages", "missing_messages");
                return;
            }

            // Embeddings and the Anthropic-native endpoint are passed through to a provider that speaks them.
            WireFormat? required = operation switch
            {
                Operation.Messages => WireFormat.Anthropic,
                Operation.Embeddings => WireFormat.OpenAI,
                _ => null,
            };
            var candidates = router.Candidates(info.Model, required);
            if (candidates.Length == 0)
            {
                metrics.Refused("model_not_found");
                await OpenAiError.NotFound(context,
                    $"the model '{info.Model}' is not served by any configured provider{(operation == Operation.Messages ? " that speaks the Anthropic messages API" : "")}: GET /v1/models lists the models available (names match exactly; 'provider/model' picks a provider)",
                    "model_not_found");
                return;
            }

            var state = await registry.GetStateAsync(aborted);
            var preferred = state.PreferredFor(operation == Operation.Embeddings ? GenerationType.Embeddings : GenerationType.Chat);
            var attempt = 0;
            var index = 0;
            string? lastFailure = null;
            foreach (var route in Ordered(candidates, preferred))
            {
                var more = ++index < candidates.Length;
                if (!state.IsProviderEnabled(route.Endpoint.Name) || !state.IsModelEnabled(route.Endpoint.Name, route.UpstreamModel))
                {
                    lastFailure ??= $"provider '{route.Endpoint.Name}' is disabled";
                    continue;
                }

                if (!health.TryAcquire(route.Endpoint.Name, route.UpstreamModel))
                {
                    lastFailure = $"provider '{route.Endpoint.Name}' is unhealthy (circuit open)";
                    continue;
                }

                attempt++;
                var call = new CallContext
                {
                    RequestId = requestId,
                    Key = key,
                    Operation = operation == Operation.Embeddings ? "embeddings" : "chat",
                    NativeMessages = operation == Operation.Messages,
                    RequestedModel = info.Model,
                    Endpoint = route.Endpoint,
                    UpstreamModel = route.UpstreamModel,
                    Stream = info.Stream,
                    StartTimestamp = time.GetTimestamp(),
                    StartedAt = time.GetUtcNow(),
                    Attempt = attempt,
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

                var outcome = await ForwardAsync(context, call, body, info, more, aborted);
                if (outcome.Done)
                {
                    return;
                }

                lastFailure = outcome.Failure;
            }

            metrics.Refused("no_provider");
            await OpenAiError.WriteAsync(context, attempt == 0 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status502BadGateway,
                $"no provider could serve '{info.Model}': {lastFailure ?? "none available"}", "upstream_error", attempt == 0 ? "provider_unavailable" : "provider_error");
        }
    }

    private static IEnumerable<ModelRouter.Route> Ordered(ModelRouter.Route[] candidates, string? preferred)
    {
        if (preferred is null || candidates.Length == 1)
        {
            return candidates;
        }

        return candidates.Where(c => c.Endpoint.Name == preferred).Concat(candidates.Where(c => c.Endpoint.Name != preferred));
    }

    /// <summary>What happened to one attempt: answered (done), or failed before anything reached the client (try the next provider).</summary>
    private readonly record struct AttemptOutcome(bool Done, string? Failure)
    {
        public static readonly AttemptOutcome Answered = new(true, null);

        public static AttemptOutcome Retry(string failure) => new(false, failure);
    }

    private async Task<AttemptOutcome> ForwardAsync(HttpContext context, CallContext call, PooledBuffer body, RequestInfo info, bool more, CancellationToken aborted)
    {
        var endpoint = call.Endpoint;
        if (!endpoint.Passthrough && !call.NativeMessages)
        {
            return await ForwardTranslatedAsync(context, call, body, more, aborted);
        }

        var ensureUsage = endpoint.Format == WireFormat.OpenAI;
        PooledBuffer? patched = null;
        if (BodyPatcher.NeedsPatch(info, call.UpstreamModel, ensureUsage))
        {
            patched = BodyPatcher.Patch(body.Span, info, call.UpstreamModel, ensureUsage);
        }

        var sendBody = patched ?? body;
        var uri = call.NativeMessages ? endpoint.MessagesUri : call.Operation == "embeddings" ? endpoint.EmbeddingsUri : endpoint.ChatCompletionsUri;
        HttpResponseMessage upstreamResponse;
        using (var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(sendBody.Array, 0, sendBody.Length) })
        {
            request.Content.Headers.ContentType = JsonContentType;
            AddCredentials(request, endpoint, context.Request);
            try
            {
                upstreamResponse = await endpoint.Invoker.SendAsync(request, aborted);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException)
            {
                patched?.Dispose();
                await accounting.ReleaseAsync(call, CancellationToken.None);
                health.Record(endpoint.Name, call.UpstreamModel, success: false, time.GetElapsedTime(call.StartTimestamp));
                if (aborted.IsCancellationRequested)
                {
                    return AttemptOutcome.Answered;
                }

                // Never reached the provider (refused, DNS, timeout before headers): nothing billed, nothing recorded as spend.
                logger.LogWarning("provider {Provider} unreachable for request {RequestId}: {Error}", endpoint.Name, call.RequestId, ex.GetType().Name);
                metrics.RecordCall(endpoint.Name, call.UpstreamModel, 502, 0, 0, 0, time.GetElapsedTime(call.StartTimestamp).TotalSeconds, call.Operation);
                return AttemptOutcome.Retry($"provider '{endpoint.Name}' could not be reached ({ex.GetType().Name}); nothing was billed");
            }
        }

        using (upstreamResponse)
        {
            patched?.Dispose();
            var status = (int)upstreamResponse.StatusCode;
            health.Record(endpoint.Name, call.UpstreamModel, success: status < 500 && status != 429, time.GetElapsedTime(call.StartTimestamp));
            var observerFormat = call.NativeMessages ? WireFormat.Anthropic : WireFormat.OpenAI;
            using var observer = new ResponseObserver(observerFormat, collectText: call.Stream);
            if (call.Stream && status == 200 && IsEventStream(upstreamResponse))
            {
                await RelayStreamAsync(context, call, await upstreamResponse.Content.ReadAsStreamAsync(CancellationToken.None), observer, aborted);
                return AttemptOutcome.Answered;
            }

            return await RelayBodyAsync(context, call, upstreamResponse, observer, status, more, aborted);
        }
    }

    private static bool IsEventStream(HttpResponseMessage response) =>
        string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    private static bool Retryable(int status) => status is 429 or >= 500;

    private async Task<AttemptOutcome> RelayBodyAsync(HttpContext context, CallContext call, HttpResponseMessage upstreamResponse, ResponseObserver observer, int status, bool more, CancellationToken aborted)
    {
        var response = context.Response;
        var declared = upstreamResponse.Content.Headers.ContentLength;
        using var responseBody = new PooledBuffer((int)Math.Min(declared ?? 8192, 16 * 1024 * 1024));
        var cut = false;
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
        var settlement = await accounting.SettleAsync(call, observer, status, cutOff: cut, CancellationToken.None);
        if (aborted.IsCancellationRequested)
        {
            return AttemptOutcome.Answered;
        }

        if (cut)
        {
            return AttemptOutcome.Retry($"provider '{call.Endpoint.Name}' stopped answering mid-response");
        }

        if (more && Retryable(status))
        {
            return AttemptOutcome.Retry($"provider '{call.Endpoint.Name}' answered HTTP {status}");
        }

        response.StatusCode = status;
        response.ContentType = upstreamResponse.Content.Headers.ContentType?.ToString() ?? "application/json";
        response.Headers[ProviderHeader] = call.Endpoint.Name;
        WriteCostHeaders(response, settlement);
        response.ContentLength = responseBody.Length;
        await response.Body.WriteAsync(responseBody.Memory, aborted);
        return AttemptOutcome.Answered;
    }

    private async Task RelayStreamAsync(HttpContext context, CallContext call, Stream upstream, ResponseObserver observer, CancellationToken aborted)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers[ProviderHeader] = call.Endpoint.Name;
        if (call.BudgetRemaining is { } remainingAfterHold)
        {
            response.Headers[BudgetRemainingHeader] = Money.Format(remainingAfterHold);
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(aborted);

        Settlement? early = null;
        SseRelay.End end;
        await using (upstream)
        {
            end = await SseRelay.RelayAsync(upstream, response.BodyWriter, observer, (obs, output) =>
            {
                // Priced as soon as the usage event arrives, so the cost travels inside it.
                var priced = accounting.Price(call, obs, cutOff: false);
                early = priced;
                CostAnnotation.Write(output, call.RequestId, priced);
            }, aborted);
        }

        var cutOff = end != SseRelay.End.Completed || !observer.UsageReported;
        if (cutOff)
        {
            logger.LogInformation("request {RequestId}: stream {How}; billed from counted tokens", call.RequestId, end == SseRelay.End.ClientGone ? "abandoned by the client" : "cut off by the provider");
        }

        await accounting.SettleAsync(call, observer, 200, cutOff, CancellationToken.None, early is { } e && !cutOff ? e : null);
    }

    /// <summary>Chat for a provider with another API (Anthropic, Gemini, Azure): the provider adapter translates both ways.</summary>
    private async Task<AttemptOutcome> ForwardTranslatedAsync(HttpContext context, CallContext call, PooledBuffer body, bool more, CancellationToken aborted)
    {
        var endpoint = call.Endpoint;
        if (!ChatRequest.TryParse(body.Memory.ToArray(), out var parsed, out var error))
        {
            await accounting.ReleaseAsync(call, CancellationToken.None);
            await OpenAiError.BadRequest(context, error!);
            return AttemptOutcome.Answered;
        }

        if (!string.Equals(parsed!.Model, call.UpstreamModel, StringComparison.Ordinal))
        {
            parsed = parsed.WithModel(call.UpstreamModel);
        }

        await using var providerResponse = await endpoint.Adapter.SendChatAsync(parsed, aborted);
        health.Record(endpoint.Name, call.UpstreamModel, providerResponse.IsSuccess || (providerResponse.StatusCode is > 0 and < 500 and not 429), time.GetElapsedTime(call.StartTimestamp));
        if (!providerResponse.ReachedProvider)
        {
            await accounting.ReleaseAsync(call, CancellationToken.None);
            metrics.RecordCall(endpoint.Name, call.UpstreamModel, 502, 0, 0, 0, time.GetElapsedTime(call.StartTimestamp).TotalSeconds, call.Operation);
            return AttemptOutcome.Retry($"provider '{endpoint.Name}' could not be reached: {providerResponse.Failure?.Message}");
        }

        using var observer = new ResponseObserver(WireFormat.OpenAI, collectText: call.Stream);
        if (providerResponse.IsStreaming && providerResponse.IsSuccess)
        {
            var pipe = new Pipe();
            var copy = CopyThenCompleteAsync(providerResponse, pipe.Writer, aborted);
            await RelayStreamAsync(context, call, pipe.Reader.AsStream(), observer, aborted);
            await copy;
            return AttemptOutcome.Answered;
        }

        var bytes = await providerResponse.ReadBodyAsync(aborted);
        var status = providerResponse.StatusCode;
        if (providerResponse.IsSuccess)
        {
            observer.Observe(bytes);
        }

        var settlement = await accounting.SettleAsync(call, observer, status, cutOff: false, CancellationToken.None);
        if (more && Retryable(status))
        {
            return AttemptOutcome.Retry($"provider '{endpoint.Name}' answered HTTP {status}");
        }

        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers[ProviderHeader] = endpoint.Name;
        WriteCostHeaders(response, settlement);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, aborted);
        return AttemptOutcome.Answered;
    }

    private static async Task CopyThenCompleteAsync(ProviderResponse providerResponse, PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await providerResponse.CopyToAsync(writer.AsStream(leaveOpen: true), cancellationToken);
            await writer.CompleteAsync();
        }
        catch (Exception ex)
        {
            await writer.CompleteAsync(ex);
        }
    }

    private static void WriteCostHeaders(HttpResponse response, Settlement settlement)
    {
        response.Headers[CostHeader] = Money.Format(settlement.Cost.TotalCost);
        if (settlement.Estimated)
        {
            response.Headers[EstimatedHeader] = "true";
        }

        if (!settlement.Cost.Priced)
        {
            response.Headers["x-tollgate-unpriced"] = "true";
        }

        if (settlement.BudgetRemaining is { } remaining)
        {
            response.Headers[BudgetRemainingHeader] = Money.Format(remaining);
        }
    }

    private static void AddCredentials(HttpRequestMessage request, UpstreamEndpoint endpoint, HttpRequest incoming)
    {
        foreach (var (name, value) in endpoint.Options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (endpoint.Format == WireFormat.Anthropic)
        {
            if (endpoint.ApiKey is not null)
            {
                request.Headers.TryAddWithoutValidation("x-api-key", endpoint.ApiKey);
            }

            var version = incoming.Headers["anthropic-version"];
            request.Headers.TryAddWithoutValidation("anthropic-version", version.Count > 0 ? version.ToString() : endpoint.Options.ApiVersion ?? "2023-06-01");
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
}
