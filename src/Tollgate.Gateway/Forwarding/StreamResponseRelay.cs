using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Tollgate.Costing;
using Tollgate.Providers;
using Tollgate.Providers.Timeouts;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Relays a streamed answer (passthrough events, or a translated stream) to the client through <see cref="SseRelay"/>,
/// pricing it when its usage arrives, and settles it: a stream cut off by either side is billed from counted tokens.
/// </summary>
internal sealed class StreamResponseRelay(ProxyServices services)
{
    public async Task RelayAsync(HttpContext context, CallContext call, Stream upstream, ResponseObserver observer, CancellationToken aborted, ProviderResponse? translated = null)
    {
        var accounting = services.Accounting;
        var logger = services.Logger;
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers[ProxyHeaders.Provider] = call.Endpoint.Name;
        if (call.BudgetRemaining is { } remainingAfterHold)
        {
            response.Headers[ProxyHeaders.BudgetRemaining] = Money.Format(remainingAfterHold);
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(aborted);

        Settlement? early = null;
        SseRelay.End end;
        // Durable ledger: the stream's last event waits for the call's record (SettleAsync), so a crash cannot leave a
        // completed stream out of the ledger.
        using var heldBack = accounting.DurableLedger ? new PooledBuffer(512) : null;
        var scrubbed = services.Secrets.Wrap(response.BodyWriter);
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
}
