using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Endpoints;
using Tollgate.Metering;
using Tollgate.Providers;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>Chat for a provider with another API (Anthropic, Gemini, Azure): the provider adapter translates both ways.</summary>
internal sealed class TranslatedForwarder(ProxyServices services, StreamResponseRelay streams, TimeoutSettlement timeouts)
{
    public async ValueTask<AttemptResult<AttemptReply>> ForwardAsync(HttpContext context, CallContext call, PooledBuffer body, RequestInfo info, CancellationToken aborted)
    {
        var accounting = services.Accounting;
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
            return AttemptReply.Answered;
        }

        if (!string.Equals(parsed!.Model, call.UpstreamModel, StringComparison.Ordinal))
        {
            parsed = parsed.WithModel(call.UpstreamModel);
        }

        await using var providerResponse = await endpoint.Adapter.SendChatAsync(parsed, aborted);
        if (providerResponse.Failure is { Kind: ProviderFailureKind.Timeout, RequestSent: true } && !providerResponse.ReachedProvider && !aborted.IsCancellationRequested)
        {
            return await timeouts.SettleAsync(call, providerResponse.Failure.Message);
        }

        if (!providerResponse.ReachedProvider)
        {
            await accounting.ReleaseAsync(call, CancellationToken.None);
            services.Metrics.RecordCall(endpoint.Name, call.UpstreamModel, 502, 0, 0, 0, services.Time.GetElapsedTime(call.StartTimestamp).TotalSeconds, call.Operation);
            return AttemptReply.Unreachable($"provider '{endpoint.Name}' could not be reached: {services.Secrets.Scrub(providerResponse.Failure?.Message)}");
        }

        // The translation is read for its text; the usage is the one the adapter read from the provider's own body.
        using var observer = new ResponseObserver(WireFormat.OpenAI, endpoint.UsageDialect(accounting.Pricing.Catalog, UsageWire.OpenAiChat), collectText: call.Stream);
        if (providerResponse.IsStreaming && providerResponse.IsSuccess)
        {
            var pipe = new Pipe();
            var copy = CopyThenCompleteAsync(providerResponse, pipe.Writer, aborted);
            await streams.RelayAsync(context, call, pipe.Reader.AsStream(), observer, aborted, providerResponse);
            await copy;
            return AttemptReply.Answered;
        }

        var bytes = await providerResponse.ReadBodyAsync(aborted);
        var status = providerResponse.StatusCode;
        if (!providerResponse.IsSuccess && status is >= 200 and < 300)
        {
            // Headers said 2xx but the body never completed (idle or total timeout, connection lost).
            if (providerResponse.Failure?.Kind == ProviderFailureKind.Timeout)
            {
                return await timeouts.SettleAsync(call, providerResponse.Failure.Message);
            }

            await accounting.SettleAsync(call, observer, status, cutOff: true, CancellationToken.None);
            return AttemptReply.Unreachable($"provider '{endpoint.Name}' stopped answering mid-response");
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
        if (FallbackDecision.Of(status) != AttemptOutcome.Success)
        {
            return AttemptReply.Failed(call, status, "application/json", bytes.ToArray(), settlement, providerResponse.Failure?.RetryAfter);
        }

        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers[ProxyHeaders.Provider] = endpoint.Name;
        ProxyHeaders.WriteCost(response, settlement);
        var translatedAnswer = services.Secrets.Scrub(bytes);
        response.ContentLength = translatedAnswer.Length;
        await response.Body.WriteAsync(translatedAnswer, aborted);
        return AttemptReply.Answered;
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
}
