using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tollgate.Gateway.Observability;
using Tollgate.Keys;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// One request's walk down the fallback plan: each call of <see cref="AttemptAsync"/> is one attempt (its own
/// budget hold, ledger record and trace span). A success is written to the client inside the attempt (streams
/// must be); a failure is kept so the next candidate can be tried, and the last one is passed through.
/// </summary>
internal sealed class AttemptRunner(ProxyServices services, AttemptForwarder forwarder, HttpContext context, VirtualKey key, RequestAttribution attribution, string requestId, ProxyOperation operation, RequestInfo info, PooledBuffer body)
{
    private int _attempt;
    private Metering.Fingerprints.RequestFingerprint? _fingerprint;

    public async ValueTask<AttemptResult<AttemptReply>> AttemptAsync(RouteCandidate candidate, CancellationToken aborted)
    {
        var endpoint = services.Router.Find(candidate.Provider)!;
        var upstreamModel = endpoint.Options.UpstreamModel(candidate.Model);
        var call = new CallContext
        {
            RequestId = requestId,
            Key = key,
            Operation = operation switch
            {
                ProxyOperation.Embeddings => "embeddings",
                ProxyOperation.Responses => "responses",
                _ => "chat",
            },
            NativeMessages = operation == ProxyOperation.Messages,
            RequestedModel = info.Model!,
            Endpoint = endpoint,
            UpstreamModel = upstreamModel,
            Stream = info.Stream,
            StartTimestamp = services.Time.GetTimestamp(),
            StartedAt = services.Time.GetUtcNow(),
            Attempt = ++_attempt,
            Attribution = attribution,
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

        call.Fingerprint = _fingerprint ??= services.Accounting.Fingerprint(body.Span, info.Model!, operation);
        services.Accounting.Estimate(call, body.Span, info);
        Admission admission;
        try
        {
            admission = await services.Accounting.AdmitAsync(call, aborted);
        }
        catch (Exception ex) when (StoreFailure.Is(ex) && !aborted.IsCancellationRequested)
        {
            // Budget counters out of reach: an enforced budget cannot be checked, so the call is refused (fail closed).
            services.Logger.LogWarning("request {RequestId}: budget counters unavailable ({Error})", requestId, ex.GetType().Name);
            _attempt--;
            return new AttemptResult<AttemptReply>(new AttemptReply { Admission = StoreFailure.Refusal("budget store") }, AttemptOutcome.Local);
        }

        if (!admission.Allowed)
        {
            // A budget or rate-limit refusal is the answer: no other provider changes it, and it says nothing of the provider's health.
            _attempt--;
            return new AttemptResult<AttemptReply>(new AttemptReply { Admission = admission }, AttemptOutcome.Local);
        }

        if (call.Adaptation is { } adaptation)
        {
            context.Response.Headers[ProxyHeaders.Adapted] = BodyPatcher.Describe(info, adaptation, call.AddedOutputLimit);
        }
        else if (call.Attempt > 1)
        {
            // An earlier attempt (another provider) may have been adapted; this one is sent as asked.
            context.Response.Headers.Remove(ProxyHeaders.Adapted);
        }

        try
        {
            return await forwarder.ForwardAsync(context, call, body, info, aborted);
        }
        catch (StoreUnavailableException ex)
        {
            // The call could not be recorded (store and spool both failed): its answer is withheld, and no other
            // provider is tried behind it. The gateway's trouble, not the provider's.
            services.Logger.LogError("request {RequestId}: {Error}", requestId, ex.Message);
            return context.Response.HasStarted
                ? new AttemptResult<AttemptReply>(AttemptReply.Done, AttemptOutcome.Local)
                : new AttemptResult<AttemptReply>(new AttemptReply { Admission = StoreFailure.Refusal("ledger") }, AttemptOutcome.Local);
        }
        catch (Exception ex) when (context.Response.HasStarted && !aborted.IsCancellationRequested)
        {
            // Part of an answer already reached the client: another provider must never be called (and billed) behind it.
            services.Logger.LogWarning("request {RequestId}: answer from {Provider} broke off after it started ({Error})", requestId, endpoint.Name, ex.GetType().Name);
            return new AttemptResult<AttemptReply>(AttemptReply.Done, AttemptOutcome.Fatal);
        }
    }
}
