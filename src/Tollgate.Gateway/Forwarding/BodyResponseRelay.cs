using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tollgate.Providers.Timeouts;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Reads a provider's whole (non-streamed) answer, settles the attempt whatever its status, and writes a success to the
/// client; a failed answer is kept for the fallback chain instead.
/// </summary>
internal sealed class BodyResponseRelay(ProxyServices services)
{
    public async ValueTask<AttemptResult<AttemptReply>> RelayAsync(HttpContext context, CallContext call, HttpResponseMessage upstreamResponse, ResponseObserver observer, int status, CancellationToken aborted)
    {
        var accounting = services.Accounting;
        var response = context.Response;
        var declared = upstreamResponse.Content.Headers.ContentLength;
        using var responseBody = new PooledBuffer((int)Math.Min(declared ?? 8192, 16 * 1024 * 1024));
        var cut = false;
        try
        {
            await using var stream = new DeadlineStream(await upstreamResponse.Content.ReadAsStreamAsync(aborted), call.Endpoint.Options.IdleTimeout, call.Deadline, services.Time);
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
                services.Logger.LogWarning("request {RequestId}: {Provider} {Error}; billed from counted tokens", call.RequestId, call.Endpoint.Name, ex.Message);
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
            return AttemptReply.Answered;
        }

        if (cut)
        {
            return AttemptReply.Unreachable($"provider '{call.Endpoint.Name}' stopped answering mid-response");
        }

        if (FallbackDecision.Of(status) != AttemptOutcome.Success)
        {
            return AttemptReply.Failed(call, status, upstreamResponse.Content.Headers.ContentType?.ToString(), responseBody.Span.ToArray(), settlement, RetryAfterOf(upstreamResponse));
        }

        response.StatusCode = status;
        response.ContentType = upstreamResponse.Content.Headers.ContentType?.ToString() ?? "application/json";
        response.Headers[ProxyHeaders.Provider] = call.Endpoint.Name;
        ProxyHeaders.WriteCost(response, settlement);
        var answer = services.Secrets.Scrub(responseBody.Memory);
        response.ContentLength = answer.Length;
        await response.Body.WriteAsync(answer, aborted);
        return AttemptReply.Answered;
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response) =>
        response.Headers.RetryAfter is { } retryAfter
            ? retryAfter.Delta ?? (retryAfter.Date is { } date ? date - services.Time.GetUtcNow() : null)
            : null;
}
