using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Endpoints;

namespace Tollgate.Gateway.Dashboard;

/// <summary>
/// Lets the dashboard's session cookie stand for its key on the admin API, the key holder's own endpoints
/// (<c>/v1/tollgate/…</c>) and the session API — never on the proxy endpoints. A request that presents a key of its own
/// is authenticated by that key as before. A change (any method but GET/HEAD/OPTIONS) made with the cookie must carry
/// the session's CSRF token in <c>x-csrf-token</c> and, when the browser names one, a same-origin <c>Origin</c>; else 403.
/// </summary>
internal static class DashboardSessionAuth
{
    public const string CsrfHeader = "x-csrf-token";

    private const string Item = "tollgate.dashboard.session";

    /// <summary>The session a request came with (its cookie, no key of its own, CSRF checked), or null.</summary>
    public static DashboardSession? SessionOf(HttpContext context) =>
        context.Items.TryGetValue(Item, out var value) ? value as DashboardSession : null;

    /// <summary>The signed-in key of a cookie-authenticated request, as <see cref="KeyAuthenticator"/> would have answered.</summary>
    public static AuthResult? ResultOf(HttpContext context) => SessionOf(context) is { } session ? AuthResult.Ok(session.Key) : null;

    // A request the cookie cannot stand for (every model call) goes straight on: no state machine of its own.
    public static void Use(WebApplication app) => app.Use(static next => context =>
        context.Request.Path is var path &&
        (path.StartsWithSegments("/admin") || path.StartsWithSegments("/v1/tollgate") || path.StartsWithSegments("/dashboard/api")) &&
        !KeyAuthenticator.TryGetPresentedKey(context.Request.Headers, out _) &&
        DashboardCookie.Read(context.Request) is { } token
            ? WithSessionAsync(context, token, next)
            : next(context));

    private static async Task WithSessionAsync(HttpContext context, string token, RequestDelegate next)
    {

        // The session with its key as it is now (a revoked key's session has ended; see DashboardSessions for how fast).
        var session = await context.RequestServices.GetRequiredService<DashboardSessions>().FindAsync(token, context.RequestAborted);
        if (session is null)
        {
            await next(context);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method))
        {
            if (CrossOrigin(context.Request))
            {
                await OpenAiError.WriteAsync(context, 403, "this change comes from another site: the dashboard's session works only from its own pages", "invalid_request_error", "csrf_failed");
                return;
            }

            if (!SameToken(context.Request.Headers[CsrfHeader].ToString(), session.CsrfToken))
            {
                await OpenAiError.WriteAsync(context, 403, $"missing or wrong CSRF token: a change made with the dashboard's session must send the session's token in {CsrfHeader}", "invalid_request_error", "csrf_failed");
                return;
            }
        }

        context.Items[Item] = session;
        await next(context);
    }

    private static bool CrossOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }

    private static bool SameToken(string presented, string expected) =>
        presented.Length == expected.Length && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), Encoding.ASCII.GetBytes(expected));
}
