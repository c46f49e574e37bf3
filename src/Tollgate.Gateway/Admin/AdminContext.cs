using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Auth;
using Tollgate.Keys;

namespace Tollgate.Gateway.Admin;

/// <summary>Shared plumbing of admin handlers: admin check, services, JSON answers.</summary>
internal static class AdminContext
{
    public static T Get<T>(this HttpContext context)
        where T : notnull => context.RequestServices.GetRequiredService<T>();

    /// <summary>Runs <paramref name="handler"/> only for the admin key.</summary>
    public static RequestDelegate AdminOnly(Func<HttpContext, Task> handler) => async context =>
    {
        if (await AdminAuth.RequireAdminAsync(context, context.Get<KeyAuthenticator>()) is not { } admin)
        {
            return;
        }

        context.Items[AdminAudit.ActorItem] = admin.Id;
        await handler(context);
    };

    /// <summary>Runs <paramref name="handler"/> for a client (non-admin) virtual key.</summary>
    public static RequestDelegate ClientOnly(Func<HttpContext, VirtualKey, Task> handler) => async context =>
    {
        var auth = Dashboard.DashboardSessionAuth.ResultOf(context) ?? await context.Get<KeyAuthenticator>().AuthenticateAsync(context.Request, context.RequestAborted);
        if (auth.Key is not { } key)
        {
            await AuthFailureResponse.WriteAsync(context, auth);
            return;
        }

        if (key.IsAdmin)
        {
            await Endpoints.OpenAiError.Forbidden(context, "this endpoint shows a virtual key's own usage: call it with a virtual key (admins: GET /admin/reports/cost)");
            return;
        }

        await handler(context, key);
    };

    public static Task JsonAsync(this HttpContext context, object value, int status = 200)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(value, Endpoints.GatewayJson.Options, context.RequestAborted);
    }
}
