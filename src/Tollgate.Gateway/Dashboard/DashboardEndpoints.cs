using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Auth;

namespace Tollgate.Gateway.Dashboard;

/// <summary>
/// The web dashboard: <c>GET /</c> (the page), <c>GET /dashboard/assets/{file}</c> (its scripts and styles), and the
/// session API — <c>POST /dashboard/api/session</c> (sign in: the admin key or a virtual key in the Authorization header
/// becomes a session cookie), <c>GET /dashboard/api/session</c> (who is signed in and the CSRF token, or <c>{"signed_in": false}</c>),
/// <c>POST /dashboard/api/logout</c>. Everything else the dashboard shows comes from the admin API and <c>/v1/tollgate/…</c>.
/// </summary>
internal static class DashboardEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var assets = DashboardAssets.Load();
        app.MapGet("/", context => ServeAsync(context, assets.Find("index.html")));
        app.MapGet("/dashboard/assets/{file}", context => ServeAsync(context, assets.Find((string)context.Request.RouteValues["file"]!) is { } asset && !asset.ContentType.StartsWith("text/html", StringComparison.Ordinal) ? asset : null));
        app.MapPost("/dashboard/api/session", SignInAsync);
        app.MapGet("/dashboard/api/session", async context =>
        {
            DashboardHeaders.Apply(context.Response);
            // Not being signed in is this question's ordinary answer (the page asks on load), so it is a 200, not a 401.
            await context.JsonAsync(DashboardSessionAuth.SessionOf(context) is { } session ? View(session) : new { signed_in = false });
        });
        app.MapPost("/dashboard/api/logout", async context =>
        {
            DashboardHeaders.Apply(context.Response);
            if (DashboardSessionAuth.SessionOf(context) is not null && DashboardCookie.Read(context.Request) is { } token)
            {
                await context.RequestServices.GetRequiredService<DashboardSessions>().EndAsync(token, context.RequestAborted);
            }

            DashboardCookie.Clear(context);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        });
    }

    private static async Task SignInAsync(HttpContext context)
    {
        DashboardHeaders.Apply(context.Response);
        var auth = await context.RequestServices.GetRequiredService<KeyAuthenticator>().AuthenticateAsync(context.Request, context.RequestAborted);
        if (auth.Key is not { } key)
        {
            await AuthFailureResponse.WriteAsync(context, auth, (auth.Error ?? "").Replace("a Tollgate virtual key", "the admin key or a virtual key", StringComparison.Ordinal));
            return;
        }

        var (token, session) = await context.RequestServices.GetRequiredService<DashboardSessions>().StartAsync(key, context.RequestAborted);
        DashboardCookie.Write(context, token, session.ExpiresAt, DashboardSessions.Lifetime);
        await context.JsonAsync(View(session));
    }

    private static object View(DashboardSession session) => new
    {
        signed_in = true,
        role = session.Key.IsAdmin ? "admin" : "key",
        key = new { id = session.Key.Id, tenant = session.Key.Tenant, project = session.Key.Project, user = session.Key.User, name = session.Key.Name },
        csrf_token = session.CsrfToken,
        expires_at = session.ExpiresAt,
    };

    private static async Task ServeAsync(HttpContext context, DashboardAsset? asset)
    {
        DashboardHeaders.Apply(context.Response);
        if (asset is null)
        {
            await Endpoints.OpenAiError.NotFound(context, $"no dashboard file {context.Request.Path}");
            return;
        }

        context.Response.Headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = asset.ContentType;
        context.Response.Headers.Vary = "Accept-Encoding";
        var gzip = context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        var body = gzip ? asset.Gzipped : asset.Bytes;
        if (gzip)
        {
            context.Response.Headers.ContentEncoding = "gzip";
        }

        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }
}
