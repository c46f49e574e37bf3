using System.Globalization;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Endpoints;

namespace Tollgate.Gateway.Auth;

/// <summary>
/// Answers a failed authentication in the door's shape: 401, or 429 with <c>Retry-After</c> while the client is backing
/// off (<see cref="AuthFailureLimiter"/>). <c>x-should-retry: false</c>: an SDK retrying the same bad key gains nothing.
/// </summary>
internal static class AuthFailureResponse
{
    public static Task WriteAsync(HttpContext context, AuthResult auth, string? message = null)
    {
        if (auth.RetryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            context.Response.Headers[RetryAdvice.ShouldRetryHeader] = "false";
            return OpenAiError.WriteAsync(context, StatusCodes.Status429TooManyRequests, auth.Error!, "rate_limit_error", "auth_backoff");
        }

        return OpenAiError.Unauthorized(context, message ?? auth.Error!);
    }
}
