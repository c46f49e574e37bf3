using System.Buffers;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Tollgate.Costing;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Observability;
using Tollgate.Keys;
using Tollgate.Metering;
using Tollgate.Providers;
using Tollgate.Providers.Timeouts;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The proxy endpoints' walk: key → body → route → admit (budget hold) → forward → settle → record.
/// OpenAI-compatible bodies are forwarded byte for byte unless the model name or <c>stream_options</c> must change;
/// other APIs go through the provider adapters' translation. Which providers to try, in which order, comes from the core
/// routing (<see cref="GatewayRouter"/>: <c>Router</c> + <c>FallbackExecutor</c>); a failed attempt (unreachable, 429, 5xx)
/// falls back down that chain, open circuits are skipped, and every attempt that reached a provider is recorded.
/// </summary>
internal sealed class ProxyHandler(
    KeyAuthenticator authenticator,
    GatewayRouter router,
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
    internal const string AdaptedHeader = "x-tollgate-adapted";

    /// <summary>The request field that uses a capability the router found missing.</summary>
    private static string? ParamOf(string missingCapability) => missingCapability switch
    {
        ModelCapabilities.VisionName => "messages",
        ModelCapabilities.ToolsName => "tools",
        ModelCapabilities.JsonSchemaName => "response_format",
        _ => null,
    };

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    /// <summary>The configured provider secrets, removed from every provider answer before it reaches the client.</summary>
    public SecretScrubber Secrets { get; init; } = SecretScrubber.None;

    private GatewayRouter Router => router;

    private TimeProvider Time => time;

    private CallAccounting Accounting => accounting;

    private ILogger<ProxyHandler> Logger => logger;

    public Task ChatCompletionsAsync(HttpContext context) => HandleAsync(context, Operation.Chat);

    public Task EmbeddingsAsync(HttpContext context) => HandleAsync(context, Operation.Embeddings);

    public Task MessagesAsync(HttpContext context) => HandleAsync(context, Operation.Messages);

    /// <summary><c>POST /v1/responses</c>: the OpenAI Responses API, passed through to OpenAI-compatible providers.</summary>
    public Task ResponsesAsync(HttpContext context) => HandleAsync(context, Operation.Responses);

    internal enum Operation
    {
        Chat,
        Embeddings,
        Messages,
        Responses,
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
        var requestId = RequestIds.Next(time);
        var response = context.Response;
        response.Headers[RequestIdHeader] = requestId;

        AuthResult auth;
        try
        {
            auth = await authenticator.AuthenticateAsync(context.Request, aborted);
        }
        catch (Exception ex) when (StoreFailure.Is(ex) && !aborted.IsCancellationRequested)
        {
            // The key store is away: a key cannot be checked, so nothing goes through (fail closed), and the client is told to retry.
            logger.LogWarning("request {RequestId}: key store unavailable ({Error})", requestId, ex.GetType().Name);
            await WriteRefusalAsync(context, StoreFailure.Refusal("key store"));
            return;
        }

        if (auth.Key is not { } key)
        {
            metrics.Refused(auth.RetryAfter is null ? "invalid_key" : "auth_backoff");
            await AuthFailureResponse.WriteAsync(context, auth);
            return;
        }

        if (key.IsAdmin)
        {
            metrics.Refused("admin_key");
            await OpenAiError.Forbidden(context, "an admin key cannot make model calls: create a virtual key with POST /admin/keys and use that");
            return;
        }

        var attribution = RequestAttribution.Parse(context.Request.Headers, out var attributionError);
        if (attribution is null)
        {
            metrics.Refused("bad_request");
            await OpenAiError.BadRequest(context, attributionError!, code: "invalid_tags");
            return;
        }

        attribution.AttachTo(context);
        if (RequestBodyReader.NotJson(context.Request) is { } mediaType)
        {
            metrics.Refused("unsupported_media_type");
            await RequestBodyReader.WriteNotJsonAsync(context, mediaType);
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
            // The door's request shape is checked in the same pass that reads the body: nothing is held or sent for a request the provider would refuse.
            var problem = RequestInspector.Inspect(body.Span, ShapeOf(operation), out var info);
            if (problem is not null)
            {
                metrics.Refused("bad_request");
                await OpenAiError.BadRequest(context, problem.Message, problem.Param, problem.Code);
                return;
            }

            if (attribution.WithBody(body.Span, info, out var labelsError) is not { } labelled)
            {
                metrics.Refused("bad_request");
                await OpenAiError.BadRequest(context, labelsError!, "metadata", "invalid_tags");
                return;
            }

            labelled.AttachTo(context);

            // Embeddings and the Anthropic-native endpoint are passed through to a provider that speaks them.
            WireFormat? required = operation switch
            {
                Operation.Messages => WireFormat.Anthropic,
                Operation.Embeddings or Operation.Responses => WireFormat.OpenAI,
                _ => null,
            };
            var type = operation == Operation.Embeddings ? GenerationType.Embeddings : GenerationType.Chat;
            RoutePlan plan;
            try
            {
                plan = await router.PlanAsync(info.Model!, type, required, info.PromptBytes, info.MaxOutputTokens, info.Choices, info.Needs, aborted);
            }
            catch (Exception ex) when (StoreFailure.Is(ex) && !aborted.IsCancellationRequested)
            {
                logger.LogWarning("request {RequestId}: provider state unavailable ({Error})", requestId, ex.GetType().Name);
                await WriteRefusalAsync(context, StoreFailure.Refusal("provider state store"));
                return;
            }

            if (plan.Chain.Length == 0)
            {
                if (plan.MissingCapability is { } missing)
                {
                    metrics.Refused("unsupported_capability");
                    await OpenAiError.BadRequest(context,
                        $"the model '{info.Model}' does not support {missing}, which this request uses: pick a model that does (GET /v1/models), or remove that part of the request",
                        ParamOf(missing), "unsupported_capability");
                    return;
                }

                if (plan.Oversize is { } closest)
                {
                    metrics.Refused("request_too_large");
                    await WriteTooLargeAsync(context, info, operation, closest);
                    return;
                }

                if (plan.Unknown || plan.Decision.HasChoice)
                {
                    metrics.Refused("model_not_found");
                    await OpenAiError.NotFound(context,
                        $"the model '{info.Model}' is not served by any configured provider{(operation == Operation.Messages ? " that speaks the Anthropic messages API" : "")}: GET /v1/models lists the models available (names match exactly; 'provider/model' picks a provider)",
                        "model_not_found");
                    return;
                }

                metrics.Refused("no_provider");
                await OpenAiError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                    $"no provider can serve '{info.Model}' now: {plan.Decision.Reason}", "upstream_error", "provider_unavailable");
                return;
            }

            // The Responses API is passed through only: providers whose API the gateway translates are left out.
            RouteCandidate[] chain = operation == Operation.Responses ? [.. plan.Chain.Where(c => router.Find(c.Provider) is { Passthrough: true })] : plan.Chain;
            var walk = new Walk(this, context, key, requestId, operation, info, body);
            var result = await router.Executor.ExecuteAsync<Reply>(chain, walk.AttemptAsync, null, aborted);
            if (aborted.IsCancellationRequested || result.Value is { Written: true })
            {
                return;
            }

            if (result.Value is { Admission: { } refused })
            {
                await WriteRefusalAsync(context, refused);
                return;
            }

            if (result.Value is { Body: { } failedBody } failed)
            {
                // The last provider's own answer (an error that no other provider could improve on) goes to the client.
                response.StatusCode = failed.Status;
                response.ContentType = failed.ContentType ?? "application/json";
                response.Headers[ProviderHeader] = failed.Provider;
                if (failed.RetryAfter is not null)
                {
                    RetryAdvice.Write(response, failed.RetryAfter);
                }
                if (failed.Settlement is { } settlement)
                {
                    WriteCostHeaders(response, settlement);
                }

                var clean = Secrets.Scrub(failedBody);
                response.ContentLength = clean.Length;
                await response.Body.WriteAsync(clean, aborted);
                return;
            }

            var lastFailure = result.Value?.Failure ?? (result.Skipped.Count > 0
                ? string.Join("; ", result.Skipped.Select(s => $"provider '{s.Candidate.Provider}' is unhealthy ({s.Reason})"))
                : null);
            metrics.Refused("no_provider");
            await OpenAiError.WriteAsync(context, result.Attempts.Count == 0 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status502BadGateway,
                $"no provider could serve '{info.Model}': {lastFailure ?? "none available"}", "upstream_error", result.Attempts.Count == 0 ? "provider_unavailable" : "provider_error");
        }
    }

    private Task WriteRefusalAsync(HttpContext context, Admission refused)
    {
        metrics.Refused(refused.Code ?? "refused");
        RetryAdvice.Write(context.Response, refused.RetryAfter);
        var type = refused.Status == 429 ? "rate_limit_error" : refused.Status >= 500 ? "api_error" : "invalid_request_error";
        return OpenAiError.WriteAsync(context, refused.Status, refused.Message!, type, refused.Code, extra: refused.Details);
    }

    /// <summary>The request shape each door checks (one validator per wire dialect).</summary>
    private static RequestShape ShapeOf(Operation operation) => operation switch
    {
        Operation.Embeddings => RequestShape.Embeddings,
        Operation.Messages => RequestShape.Messages,
        Operation.Responses => RequestShape.Responses,
        _ => RequestShape.Chat,
    };

    /// <summary>
    /// One request's walk down the fallback plan: each call of <see cref="AttemptAsync"/> is one attempt (its own
    /// budget hold, ledger record and trace span). A success is written to the client inside the attempt (streams
    /// must be); a failure is kept so the next candidate can be tried, and the last one is passed through.
    /// </summary>
    private sealed class Walk(ProxyHandler handler, HttpContext context, VirtualKey key, string requestId, Operation operation, RequestInfo info, PooledBuffer body)
    {
        private int _attempt;
        private Metering.Fingerprints.RequestFingerprint? _fingerprint;

        public async ValueTask<AttemptResult<Reply>> AttemptAsync(RouteCandidate candidate, CancellationToken aborted)
        {
            var endpoint = handler.Router.Find(candidate.Provider)!;
            var upstreamModel = endpoint.Options.UpstreamModel(candidate.Model);
            var call = new CallContext
            {
                RequestId = requestId,
                Key = key,
                Operation = operation switch
                {
                    Operation.Embeddings => "embeddings",
                    Operation.Responses => "responses",
                    _ => "chat",
                },
                NativeMessages = operation == Operation.Messages,
                RequestedModel = info.Model!,
                Endpoint = endpoint,
                UpstreamModel = upstreamModel,
                Stream = info.Stream,
                StartTimestamp = handler.Time.GetTimestamp(),
                StartedAt = handler.Time.GetUtcNow(),
                Attempt = ++_attempt,
                Attribution = RequestAttribution.Of(context),
            };

            // One span per attempt, with GenAI semantic-convention attributes; nothing is allocated unless traces are listened to.
            using var activity = GatewayTelemetry.Source.HasListeners()
                ? GatewayTelemetry.Source.StartActivity($"{call.Operation} {upstreamModel}", System.Diagnostics.ActivityKind.Client)
                : null;
            if (activity is not null)
            {
                activity.SetTag("gen_ai.operation.name", call.Operation);
                activity.SetTag("gen_ai.system", endpoint.PricedAs);
                activity.SetTag("gen_ai.provider.name", endpoint.Name);
                activity.SetTag("gen_ai.request.model", upstreamModel);
                activity.SetTag("tollgate.request_id", requestId);
                activity.SetTag("tollgate.attempt", call.Attempt);
                call.Activity = activity;
            }

            call.Fingerprint = _fingerprint ??= handler.Accounting.Fingerprint(body.Span, info.Model!, operation);
            handler.Accounting.Estimate(call, body.Span, info);
            Admission admission;
            try
            {
                admission = await handler.Accounting.AdmitAsync(call, aborted);
            }
            catch (Exception ex) when (StoreFailure.Is(ex) && !aborted.IsCancellationRequested)
            {
                // Budget counters out of reach: an enforced budget cannot be checked, so the call is refused (fail closed).
                handler.Logger.LogWarning("request {RequestId}: budget counters unavailable ({Error})", requestId, ex.GetType().Name);
                _attempt--;
                return new AttemptResult<Reply>(new Reply { Admission = StoreFailure.Refusal("budget store") }, AttemptOutcome.Local);
            }

            if (!admission.Allowed)
            {
                // A budget or rate-limit refusal is the answer: no other provider changes it, and it says nothing of the provider's health.
                _attempt--;
                return new AttemptResult<Reply>(new Reply { Admission = admission }, AttemptOutcome.Local);
            }

            if (call.Adaptation is { } adaptation)
            {
                context.Response.Headers[AdaptedHeader] = BodyPatcher.Describe(info, adaptation, AddedOutputLimit(call));
            }
            else if (call.Attempt > 1)
            {
                // An earlier attempt (another provider) may have been adapted; this one is sent as asked.
                context.Response.Headers.Remove(AdaptedHeader);
            }

            try
            {
                return await handler.ForwardAsync(context, call, body, info, aborted);
            }
            catch (StoreUnavailableException ex)
            {
                // The call could not be recorded (store and spool both failed): its answer is withheld, and no other
                // provider is tried behind it. The gateway's trouble, not the provider's.
                handler.Logger.LogError("request {RequestId}: {Error}", requestId, ex.Message);
                return context.Response.HasStarted
                    ? new AttemptResult<Reply>(Reply.Done, AttemptOutcome.Local)
                    : new AttemptResult<Reply>(new Reply { Admission = StoreFailure.Refusal("ledger") }, AttemptOutcome.Local);
            }
            catch (Exception ex) when (context.Response.HasStarted && !aborted.IsCancellationRequested)
            {
                // Part of an answer already reached the client: another provider must never be called (and billed) behind it.
                handler.Logger.LogWarning("request {RequestId}: answer from {Provider} broke off after it started ({Error})", requestId, endpoint.Name, ex.GetType().Name);
                return new AttemptResult<Reply>(Reply.Done, AttemptOutcome.Fatal);
            }
        }
    }

    /// <summary>
    /// What one attempt left for the caller: written to the client already, a refusal to write, or a provider's failed
    /// answer kept (status, body, cost) in case no other provider does better.
    /// </summary>
    private sealed class Reply
    {
        public static readonly Reply Done = new() { Written = true };

        public bool Written { get; init; }

        public Admission? Admission { get; init; }

        public int Status { get; init; }

        public string? ContentType { get; init; }

        public byte[]? Body { get; init; }

        public string Provider { get; init; } = "";

        public Settlement? Settlement { get; init; }

        /// <summary>Why the attempt failed, for the 502 when nothing answered.</summary>
        public string? Failure { get; init; }

        public static AttemptResult<Reply> Answered => new(Done, AttemptOutcome.Success);

        public static AttemptResult<Reply> Unreachable(string failure) => new(new Reply { Failure = failure }, AttemptOutcome.Retryable, null, failure);

        /// <summary>The provider's Retry-After, passed on with its answer.</summary>
        public TimeSpan? RetryAfter { get; init; }

        public static AttemptResult<Reply> Failed(CallContext call, int status, string? contentType, byte[] body, Settlement settlement, TimeSpan? retryAfter) =>
            new(new Reply { Status = status, ContentType = contentType, Body = body, Provider = call.Endpoint.Name, Settlement = settlement, RetryAfter = retryAfter, Failure = $"provider '{call.Endpoint.Name}' answered HTTP {status}" },
                OutcomeOf(status), retryAfter, $"HTTP {status}", BackPressure: status == 429);
    }

    /// <summary>How an upstream status steers the fallback chain (the same rule as the core <c>ChatRouter</c>).</summary>
    private static AttemptOutcome OutcomeOf(int status) => status switch
    {
        >= 200 and < 300 => AttemptOutcome.Success,
        429 or >= 500 => AttemptOutcome.Retryable,
        401 or 403 or 404 => AttemptOutcome.NextCandidate,
        _ => AttemptOutcome.Fatal,
    };

    private async ValueTask<AttemptResult<Reply>> ForwardAsync(HttpContext context, CallContext call, PooledBuffer body, RequestInfo info, CancellationToken aborted)
    {
        var endpoint = call.Endpoint;
        var responses = call.Operation == "responses";
        if (!endpoint.Passthrough && !call.NativeMessages && !responses)
        {
            return await ForwardTranslatedAsync(context, call, body, info, aborted);
        }

        // Chat streams need stream_options.include_usage; a Responses stream always ends with its usage (response.completed).
        var ensureUsage = endpoint.Format == WireFormat.OpenAI && !responses;
        PooledBuffer? patched = null;
        if (BodyPatcher.NeedsPatch(info, call.UpstreamModel, ensureUsage, call.Adaptation))
        {
            patched = BodyPatcher.Patch(body.Span, info, call.UpstreamModel, ensureUsage, call.Adaptation, AddedOutputLimit(call));
        }

        var sendBody = patched ?? body;
        var uri = call.NativeMessages ? endpoint.MessagesUri
            : call.Operation == "embeddings" ? endpoint.EmbeddingsUri
            : responses ? endpoint.ResponsesUri
            : endpoint.ChatCompletionsUri;
        HttpResponseMessage upstreamResponse;
        var bytes = new ByteArrayContent(sendBody.Array, 0, sendBody.Length);
        bytes.Headers.ContentType = JsonContentType;
        var content = new SendTrackingContent(bytes);
        call.Deadline = DeadlineStream.DeadlineOf(call.StartTimestamp, endpoint.Options.TotalTimeout, time);
        using (var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content })
        {
            AddCredentials(request, endpoint, context.Request);
            UpstreamConnect.Limit(request, endpoint.Options.ConnectTimeout);
            var firstByteLimit = UpstreamTimeouts.FirstByte(endpoint.Options, call.Deadline, time);
            using var firstByte = new CancellationTokenSource(firstByteLimit, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, firstByte.Token);
            try
            {
                upstreamResponse = await endpoint.Invoker.SendAsync(request, linked.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException)
            {
                patched?.Dispose();
                if (!aborted.IsCancellationRequested && firstByte.IsCancellationRequested && content.Sent)
                {
                    // The provider had the whole request and may bill it: recorded and billed from Tollgate's count, flagged.
                    return await TimedOutAsync(call, $"sent no response headers within {firstByteLimit.TotalSeconds:0.###} s (time to first byte)");
                }

                await accounting.ReleaseAsync(call, CancellationToken.None);
                if (aborted.IsCancellationRequested)
                {
                    // The client left before the provider answered: nothing learnt about the provider.
                    return new AttemptResult<Reply>(Reply.Done, AttemptOutcome.Local);
                }

                // Never reached the provider (refused, DNS, timeout before headers): nothing billed, nothing recorded as spend.
                logger.LogWarning("provider {Provider} unreachable for request {RequestId}: {Error}", endpoint.Name, call.RequestId, ex.GetType().Name);
                metrics.RecordCall(endpoint.Name, call.UpstreamModel, 502, 0, 0, 0, time.GetElapsedTime(call.StartTimestamp).TotalSeconds, call.Operation);
                return Reply.Unreachable($"provider '{endpoint.Name}' could not be reached ({ex.GetType().Name}); nothing was billed");
            }
        }

        using (upstreamResponse)
        {
            patched?.Dispose();
            var status = (int)upstreamResponse.StatusCode;
            var observerFormat = call.NativeMessages ? WireFormat.Anthropic : WireFormat.OpenAI;
            var wire = call.NativeMessages ? UsageWire.AnthropicMessages : call.Operation switch
            {
                "embeddings" => UsageWire.OpenAiEmbeddings,
                "responses" => UsageWire.OpenAiResponses,
                _ => UsageWire.OpenAiChat,
            };
            using var observer = new ResponseObserver(observerFormat, endpoint.UsageDialect(accounting.Pricing.Catalog, wire), collectText: call.Stream);
            if (call.Stream && status == 200 && IsEventStream(upstreamResponse))
            {
                var events = new DeadlineStream(await upstreamResponse.Content.ReadAsStreamAsync(CancellationToken.None), endpoint.Options.IdleTimeout, call.Deadline, time);
                await RelayStreamAsync(context, call, events, observer, aborted);
                return Reply.Answered;
            }

            return await RelayBodyAsync(context, call, upstreamResponse, observer, status, aborted);
        }
    }

    private static bool IsEventStream(HttpResponseMessage response) =>
        string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    private async ValueTask<AttemptResult<Reply>> RelayBodyAsync(HttpContext context, CallContext call, HttpResponseMessage upstreamResponse, ResponseObserver observer, int status, CancellationToken aborted)
    {
        var response = context.Response;
        var declared = upstreamResponse.Content.Headers.ContentLength;
        using var responseBody = new PooledBuffer((int)Math.Min(declared ?? 8192, 16 * 1024 * 1024));
        var cut = false;
        try
        {
            await using var stream = new DeadlineStream(await upstreamResponse.Content.ReadAsStreamAsync(aborted), call.Endpoint.Options.IdleTimeout, call.Deadline, time);
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
            if (ex is UpstreamTimeoutException && status is >= 200 and < 300)
            {
                call.FailureClass = UpstreamTimeoutException.ErrorClass;
                logger.LogWarning("request {RequestId}: {Provider} {Error}; billed from counted tokens", call.RequestId, call.Endpoint.Name, ex.Message);
            }
        }

        if (status is >= 200 and < 300)
        {
            observer.Observe(responseBody.Span);
            if (accounting.UsageProblem(call, observer) is not null)
            {
                // Usage that cannot be billed as reported: the output is counted from the answer itself.
                observer.CollectTextOf(responseBody.Span);
            }
        }

        // The attempt reached the provider: it is settled and recorded whatever its status.
        var settlement = await accounting.SettleAsync(call, observer, status, cutOff: cut, CancellationToken.None);
        if (aborted.IsCancellationRequested)
        {
            return Reply.Answered;
        }

        if (cut)
        {
            return Reply.Unreachable($"provider '{call.Endpoint.Name}' stopped answering mid-response");
        }

        if (OutcomeOf(status) != AttemptOutcome.Success)
        {
            return Reply.Failed(call, status, upstreamResponse.Content.Headers.ContentType?.ToString(), responseBody.Span.ToArray(), settlement, RetryAfterOf(upstreamResponse));
        }

        response.StatusCode = status;
        response.ContentType = upstreamResponse.Content.Headers.ContentType?.ToString() ?? "application/json";
        response.Headers[ProviderHeader] = call.Endpoint.Name;
        WriteCostHeaders(response, settlement);
        var answer = Secrets.Scrub(responseBody.Memory);
        response.ContentLength = answer.Length;
        await response.Body.WriteAsync(answer, aborted);
        return Reply.Answered;
    }

    private async Task RelayStreamAsync(HttpContext context, CallContext call, Stream upstream, ResponseObserver observer, CancellationToken aborted, ProviderResponse? translated = null)
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
        // Durable ledger: the stream's last event waits for the call's record (SettleAsync), so a crash cannot leave a
        // completed stream out of the ledger.
        using var heldBack = accounting.DurableLedger ? new PooledBuffer(512) : null;
        var scrubbed = Secrets.Wrap(response.BodyWriter);
        using var scrubbing = scrubbed as IDisposable;
        await using (upstream)
        {
            end = await SseRelay.RelayAsync(upstream, scrubbed, observer, (obs, output) =>
            {
                // Priced as soon as the usage event arrives, so the cost travels inside it.
                if (translated?.Usage is { } native)
                {
                    obs.Adopt(native);
                }

                var priced = accounting.Price(call, obs, cutOff: false);
                early = priced;
                CostAnnotation.Write(output, call.RequestId, priced);
            }, aborted, heldBack);
        }

        if (translated?.Usage is { } reported)
        {
            observer.Adopt(reported);
        }

        var cutOff = end != SseRelay.End.Completed || !observer.UsageReported;
        if (upstream is DeadlineStream { TimedOut: not null } || translated?.Failure is { Kind: ProviderFailureKind.Timeout })
        {
            // A translated stream is closed off cleanly by its translator even when the provider stalled: still a cut.
            cutOff = true;
            call.FailureClass = UpstreamTimeoutException.ErrorClass;
            logger.LogWarning("request {RequestId}: stream from {Provider} timed out ({Error}); billed from counted tokens", call.RequestId, call.Endpoint.Name, (upstream as DeadlineStream)?.TimedOut ?? translated?.Failure?.Message);
        }
        else if (cutOff)
        {
            logger.LogInformation("request {RequestId}: stream {How}; billed from counted tokens", call.RequestId, end == SseRelay.End.ClientGone ? "abandoned by the client" : "cut off by the provider");
        }

        await accounting.SettleAsync(call, observer, 200, cutOff, CancellationToken.None, early is { } e && !cutOff ? e : null);
        if (heldBack is { Length: > 0 } && end != SseRelay.End.ClientGone)
        {
            try
            {
                response.BodyWriter.Write(heldBack.Span);
                await response.BodyWriter.FlushAsync(aborted);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // The client left before the end: the call is recorded all the same.
            }
        }
    }

    /// <summary>Chat for a provider with another API (Anthropic, Gemini, Azure): the provider adapter translates both ways.</summary>
    private async ValueTask<AttemptResult<Reply>> ForwardTranslatedAsync(HttpContext context, CallContext call, PooledBuffer body, RequestInfo info, CancellationToken aborted)
    {
        var endpoint = call.Endpoint;
        byte[] json;
        if (call.Adaptation is { } adaptation && BodyPatcher.NeedsPatch(info, null, false, adaptation))
        {
            using var adapted = BodyPatcher.Patch(body.Span, info, null, false, adaptation);
            json = adapted.Span.ToArray();
        }
        else
        {
            json = body.Memory.ToArray();
        }

        if (!ChatRequest.TryParse(json, out var parsed, out var error))
        {
            await accounting.ReleaseAsync(call, CancellationToken.None);
            await OpenAiError.BadRequest(context, error!);
            return Reply.Answered;
        }

        if (!string.Equals(parsed!.Model, call.UpstreamModel, StringComparison.Ordinal))
        {
            parsed = parsed.WithModel(call.UpstreamModel);
        }

        await using var providerResponse = await endpoint.Adapter.SendChatAsync(parsed, aborted);
        if (providerResponse.Failure is { Kind: ProviderFailureKind.Timeout, RequestSent: true } && !providerResponse.ReachedProvider && !aborted.IsCancellationRequested)
        {
            return await TimedOutAsync(call, providerResponse.Failure.Message);
        }

        if (!providerResponse.ReachedProvider)
        {
            await accounting.ReleaseAsync(call, CancellationToken.None);
            metrics.RecordCall(endpoint.Name, call.UpstreamModel, 502, 0, 0, 0, time.GetElapsedTime(call.StartTimestamp).TotalSeconds, call.Operation);
            return Reply.Unreachable($"provider '{endpoint.Name}' could not be reached: {Secrets.Scrub(providerResponse.Failure?.Message)}");
        }

        // The translation is read for its text; the usage is the one the adapter read from the provider's own body.
        using var observer = new ResponseObserver(WireFormat.OpenAI, endpoint.UsageDialect(accounting.Pricing.Catalog, UsageWire.OpenAiChat), collectText: call.Stream);
        if (providerResponse.IsStreaming && providerResponse.IsSuccess)
        {
            var pipe = new Pipe();
            var copy = CopyThenCompleteAsync(providerResponse, pipe.Writer, aborted);
            await RelayStreamAsync(context, call, pipe.Reader.AsStream(), observer, aborted, providerResponse);
            await copy;
            return Reply.Answered;
        }

        var bytes = await providerResponse.ReadBodyAsync(aborted);
        var status = providerResponse.StatusCode;
        if (!providerResponse.IsSuccess && status is >= 200 and < 300)
        {
            // Headers said 2xx but the body never completed (idle or total timeout, connection lost).
            if (providerResponse.Failure?.Kind == ProviderFailureKind.Timeout)
            {
                return await TimedOutAsync(call, providerResponse.Failure.Message);
            }

            await accounting.SettleAsync(call, observer, status, cutOff: true, CancellationToken.None);
            return Reply.Unreachable($"provider '{endpoint.Name}' stopped answering mid-response");
        }

        if (providerResponse.IsSuccess)
        {
            observer.Observe(bytes);
            if (providerResponse.Usage is { } native)
            {
                observer.Adopt(native);
            }

            if (accounting.UsageProblem(call, observer) is not null)
            {
                observer.CollectTextOf(bytes);
            }
        }

        var settlement = await accounting.SettleAsync(call, observer, status, cutOff: false, CancellationToken.None);
        if (OutcomeOf(status) != AttemptOutcome.Success)
        {
            return Reply.Failed(call, status, "application/json", bytes.ToArray(), settlement, providerResponse.Failure?.RetryAfter);
        }

        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers[ProviderHeader] = endpoint.Name;
        WriteCostHeaders(response, settlement);
        var translatedAnswer = Secrets.Scrub(bytes);
        response.ContentLength = translatedAnswer.Length;
        await response.Body.WriteAsync(translatedAnswer, aborted);
        return Reply.Answered;
    }

    /// <summary>
    /// Settles an attempt that timed out after the provider had the request: recorded as <c>upstream_timeout</c> and
    /// billed from Tollgate's own count (estimated), then the next candidate may be tried (nothing reached the client).
    /// </summary>
    private async ValueTask<AttemptResult<Reply>> TimedOutAsync(CallContext call, string why)
    {
        call.FailureClass = UpstreamTimeoutException.ErrorClass;
        var format = call.NativeMessages ? WireFormat.Anthropic : WireFormat.OpenAI;
        using var nothing = new ResponseObserver(format, call.Endpoint.UsageDialect(accounting.Pricing.Catalog, call.NativeMessages ? UsageWire.AnthropicMessages : UsageWire.OpenAiChat), collectText: false);
        await accounting.SettleAsync(call, nothing, StatusCodes.Status504GatewayTimeout, cutOff: true, CancellationToken.None);
        logger.LogWarning("request {RequestId}: provider {Provider} timed out: {Error}; billed from counted tokens", call.RequestId, call.Endpoint.Name, why);
        return Reply.Unreachable($"provider '{call.Endpoint.Name}' timed out: {why}");
    }

    /// <summary>
    /// 400 naming the field at fault when no model could ever take the request: the output limit above the model's
    /// maximum output (the limit field the request used), or prompt plus output beyond its context window.
    /// </summary>
    private static Task WriteTooLargeAsync(HttpContext context, RequestInfo info, Operation operation, RouteCandidate closest)
    {
        var limitField = info.MaxCompletionTokensValue.Length > 0 ? "max_completion_tokens"
            : info.MaxOutputTokensValue.Length > 0 || operation == Operation.Responses ? "max_output_tokens"
            : "max_tokens";
        var capabilities = closest.Capabilities!;
        if (closest.Oversize == RouteCandidate.OversizeMaxOutput)
        {
            return OpenAiError.BadRequest(context,
                $"{limitField} is {info.MaxOutputTokens}, above the {capabilities.MaxOutputTokens} output tokens '{closest.Model}' can generate: lower {limitField}",
                limitField, "max_tokens_too_large");
        }

        var promptField = operation == Operation.Responses ? "input" : "messages";
        return OpenAiError.BadRequest(context,
            $"the prompt{(info.MaxOutputTokens is { } max ? $" plus {limitField} {max}" : "")} exceeds the {capabilities.ContextWindow}-token context window of '{closest.Model}': shorten {promptField}{(info.MaxOutputTokens is null ? "" : $" or lower {limitField}")}",
            promptField, "context_length_exceeded");
    }

    /// <summary>The output limit an adaptation adds when the request set none: the Responses API's, else <c>max_tokens</c>.</summary>
    private static string AddedOutputLimit(CallContext call) => call.Operation == "responses" ? "max_output_tokens" : "max_tokens";

    private TimeSpan? RetryAfterOf(HttpResponseMessage response) =>
        response.Headers.RetryAfter is { } retryAfter
            ? retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : null)
            : null;

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
