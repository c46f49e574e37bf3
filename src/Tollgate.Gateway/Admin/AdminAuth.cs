using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Endpoints;
using Tollgate.Keys;

namespace Tollgate.Gateway.Admin;

/// <summary>Admin endpoints answer only to an admin key; a client key gets 403, no key 401.</summary>
internal static class AdminAuth
{
    public static async ValueTask<VirtualKey?> RequireAdminAsync(HttpContext context, KeyAuthenticator authenticator)
    {
        var result = Dashboard.DashboardSessionAuth.ResultOf(context) ?? await authenticator.AuthenticateAsync(context.Request, context.RequestAborted);
        if (result.Key is not { } key)
        {
            await AuthFailureResponse.WriteAsync(context, result, result.Error!.Replace("a Tollgate virtual key", "the admin key", StringComparison.Ordinal));
            return null;
        }

        if (!key.IsAdmin)
        {
            await OpenAiError.Forbidden(context, "this endpoint needs the admin key; a virtual key can read its own usage at GET /v1/tollgate/usage");
            return null;
        }

        return key;
    }
}
