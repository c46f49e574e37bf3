using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Observability;
using Tollgate.Metering;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The proxy endpoints' walk: key → body → route → admit (budget hold) → forward → settle → record.
/// OpenAI-compatible bodies are forwarded byte for byte unless the model name or <c>stream_options</c> must change;
/// other APIs go through the provider adapters' translation. Which providers to try, in which order, comes from the core
/// routing (<see cref="GatewayRouter"/>: <c>Router</c> + <c>FallbackExecutor</c>); a failed attempt (unreachable, 429, 5xx)
/// falls back down that chain, open circuits are skipped, and every attempt that reached a provider is recorded.
/// </summary>
internal sealed class ProxyHandler
{
    private readonly ProxyServices _services;
    private readonly InboundRequestReader _inbound;
    private readonly RequestValidation _validation;
    private readonly RoutePlanning _routes;
    private readonly AttemptForwarder _forwarder;
    private readonly ChainOutcomeWriter _outcome;

    public ProxyHandler(
        KeyAuthenticator authenticator,
        GatewayRouter router,
        CallAccounting accounting,
        GatewayMetrics metrics,
        TimeProvider time,
        SecretScrubber secrets,
        long maxBodyBytes,
        ILogger<ProxyHandler> logger)
    {
        _services = new ProxyServices(router, accounting, metrics, time, secrets, logger);
        _inbound = new InboundRequestReader(authenticator, _services, maxBodyBytes);
        _validation = new RequestValidation(metrics);
        _routes = new RoutePlanning(_services);
        var timeouts = new TimeoutSettlement(_services);
        var streams = new StreamResponseRelay(_services);
        _forwarder = new AttemptForwarder(
            new PassthroughForwarder(_services, streams, new BodyResponseRelay(_services), timeouts),
            new TranslatedForwarder(_services, streams, timeouts));
        _outcome = new ChainOutcomeWriter(_services);
    }

    public Task ChatCompletionsAsync(HttpContext context) => HandleAsync(context, ProxyOperation.Chat);

    public Task EmbeddingsAsync(HttpContext context) => HandleAsync(context, ProxyOperation.Embeddings);

    public Task MessagesAsync(HttpContext context) => HandleAsync(context, ProxyOperation.Messages);

    /// <summary><c>POST /v1/responses</c>: the OpenAI Responses API, passed through to OpenAI-compatible providers.</summary>
    public Task ResponsesAsync(HttpContext context) => HandleAsync(context, ProxyOperation.Responses);

    private async Task HandleAsync(HttpContext context, ProxyOperation operation)
    {
        _services.Metrics.RequestStarted();
        try
        {
            await HandleCoreAsync(context, operation);
        }
        finally
        {
            _services.Metrics.RequestEnded();
        }
    }

    /// <summary>The walk's stages in order; each stage that refuses has written its answer, and the walk stops there.</summary>
    private async Task HandleCoreAsync(HttpContext context, ProxyOperation operation)
    {
        var aborted = context.RequestAborted;
        var requestId = RequestIds.Next(_services.Time);
        context.Response.Headers[ProxyHeaders.RequestId] = requestId;

        if (await _inbound.ReadAsync(context, requestId, aborted) is not { } inbound)
        {
            return;
        }

        using (inbound.Body)
        {
            if (await _validation.ValidateAsync(context, inbound, operation) is not (var info, var attribution))
            {
                return;
            }

            if (await _routes.PlanAsync(context, requestId, operation, info, aborted) is not { } chain)
            {
                return;
            }

            var attempts = new AttemptRunner(_services, _forwarder, context, inbound.Key, attribution, requestId, operation, info, inbound.Body);
            var result = await _services.Router.Executor.ExecuteAsync<AttemptReply>(chain, attempts.AttemptAsync, null, aborted);
            await _outcome.WriteAsync(context, info, result, aborted);
        }
    }
}
