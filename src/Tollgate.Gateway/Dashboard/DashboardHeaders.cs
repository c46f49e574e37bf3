using Microsoft.AspNetCore.Http;

namespace Tollgate.Gateway.Dashboard;

/// <summary>
/// The headers of every dashboard page, file and session answer: a Content-Security-Policy that allows only the
/// gateway's own scripts and styles (no inline script, no eval, no other origin, no framing), nosniff, no referrer.
/// </summary>
internal static class DashboardHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.CacheControl = "no-cache";
    }
}
