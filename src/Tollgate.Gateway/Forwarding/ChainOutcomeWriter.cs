using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Endpoints;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The walk's last stage: when no attempt wrote its answer, the client gets the refusal, the last provider's own
/// failed answer, or a 502/503 naming why no provider could serve the request.
/// </summary>
internal sealed class ChainOutcomeWriter(ProxyServices services)
{
    public async Task WriteAsync(HttpContext context, RequestInfo info, FallbackResult<AttemptReply> result, CancellationToken aborted)
    {
        var response = context.Response;
        if (aborted.IsCancellationRequested || result.Value is { Written: true })
        {
            return;
        }

        if (result.Value is { Admission: { } refused })
        {
            await RefusalResponse.WriteAsync(context, refused, services.Metrics);
            return;
        }

        if (result.Value is { Body: { } failedBody } failed)
        {
            // The last provider's own answer (an error that no other provider could improve on) goes to the client.
            response.StatusCode = failed.Status;
            response.ContentType = failed.ContentType ?? "application/json";
            response.Headers[ProxyHeaders.Provider] = failed.Provider;
            if (failed.RetryAfter is not null)
            {
                RetryAdvice.Write(response, failed.RetryAfter);
            }
            if (failed.Settlement is { } settlement)
            {
                ProxyHeaders.WriteCost(response, settlement);
            }

            var clean = services.Secrets.Scrub(failedBody);
            response.ContentLength = clean.Length;
            await response.Body.WriteAsync(clean, aborted);
            return;
        }

        var lastFailure = result.Value?.Failure ?? (result.Skipped.Count > 0
            ? string.Join("; ", result.Skipped.Select(s => $"provider '{s.Candidate.Provider}' is unhealthy ({s.Reason})"))
            : null);
        services.Metrics.Refused("no_provider");
        await OpenAiError.WriteAsync(context, result.Attempts.Count == 0 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status502BadGateway,
            $"no provider could serve '{info.Model}': {lastFailure ?? "none available"}", "upstream_error", result.Attempts.Count == 0 ? "provider_unavailable" : "provider_error");
    }
}
