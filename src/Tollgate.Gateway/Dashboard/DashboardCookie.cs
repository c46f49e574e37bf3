using Microsoft.AspNetCore.Http;

namespace Tollgate.Gateway.Dashboard;

/// <summary>The session cookie: HttpOnly, SameSite=Strict, path /, expiring with the session, Secure over HTTPS.</summary>
internal static class DashboardCookie
{
    public const string Name = "tollgate_session";

    public static string? Read(HttpRequest request) =>
        request.Cookies.TryGetValue(Name, out var value) && value is { Length: > 0 and <= 128 } ? value : null;

    public static void Write(HttpContext context, string token, DateTimeOffset expires, TimeSpan maxAge) =>
        context.Response.Cookies.Append(Name, token, Options(context, expires, maxAge));

    public static void Clear(HttpContext context) =>
        context.Response.Cookies.Append(Name, "", Options(context, DateTimeOffset.UnixEpoch, TimeSpan.Zero));

    private static CookieOptions Options(HttpContext context, DateTimeOffset expires, TimeSpan maxAge) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        Expires = expires,
        MaxAge = maxAge,
        IsEssential = true,
    };
}
