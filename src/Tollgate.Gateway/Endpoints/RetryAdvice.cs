using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Tollgate.Gateway.Endpoints;

/// <summary>
/// Tells clients whether retrying a refused request can help. The official OpenAI and Anthropic SDKs retry 429s
/// by default and obey <c>Retry-After</c> (and <c>x-should-retry</c>, which overrides their own judgement): an
/// exhausted budget that resets tomorrow must not make them sleep for hours, while a rate limit that clears in a
/// few seconds should be waited for.
/// </summary>
internal static class RetryAdvice
{
    public const string ShouldRetryHeader = "x-should-retry";

    /// <summary>
    /// With a wait: <c>Retry-After</c> (whole seconds), <c>retry-after-ms</c> and <c>x-should-retry: true</c>.
    /// Without one: <c>x-should-retry: false</c> and no <c>Retry-After</c>, so the refusal surfaces at once.
    /// </summary>
    public static void Write(HttpResponse response, TimeSpan? retryAfter)
    {
        if (retryAfter is { } wait && wait > TimeSpan.Zero)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            response.Headers["retry-after-ms"] = Math.Max(1, (long)Math.Ceiling(wait.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
            response.Headers[ShouldRetryHeader] = "true";
        }
        else
        {
            response.Headers[ShouldRetryHeader] = "false";
        }
    }
}
