using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Observability;

namespace Tollgate.Gateway.Forwarding;

/// <summary>Writes a refused admission (budget, rate limit, store away) as the door's error, with its retry advice.</summary>
internal static class RefusalResponse
{
    public static Task WriteAsync(HttpContext context, Admission refused, GatewayMetrics metrics)
    {
        metrics.Refused(refused.Code ?? "refused");
        RetryAdvice.Write(context.Response, refused.RetryAfter);
        var type = refused.Status == 429 ? "rate_limit_error" : refused.Status >= 500 ? "api_error" : "invalid_request_error";
        return OpenAiError.WriteAsync(context, refused.Status, refused.Message!, type, refused.Code, extra: refused.Details);
    }
}
