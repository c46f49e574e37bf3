using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Dashboard;

/// <summary>
/// The dashboard's security through plain HTTP: sign-in exchanges a key for an HttpOnly, SameSite=Strict, expiring
/// cookie; every change made with it needs the CSRF token; pages carry a strict CSP; the bearer API is unchanged.
/// </summary>
public sealed partial class DashboardSecurityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A client that keeps cookies, as a browser does.</summary>
    internal static HttpClient Browser(TestGateway gateway, CookieContainer? cookies = null) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), UseCookies = true }) { BaseAddress = gateway.Host.Address };

    internal static async Task<(HttpResponseMessage Response, JsonElement Session)> SignInAsync(HttpClient browser, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dashboard/api/session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await browser.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response, response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    private static HttpRequestMessage Change(HttpMethod method, string path, object? body, string? csrf)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (csrf is not null)
        {
            request.Headers.Add("x-csrf-token", csrf);
        }

        return request;
    }

    [Fact]
    public async Task SignIn_AdminKey_HttpOnlyStrictExpiringCookieWithoutTheKey()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var browser = Browser(gateway);

        var (response, session) = await SignInAsync(browser, TestGateway.AdminKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("tollgate_session=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("max-age=28800", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("expires=", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(TestGateway.AdminKey, cookie, StringComparison.Ordinal);
        Assert.Equal("admin", session.GetProperty("role").GetString());
        Assert.DoesNotContain(TestGateway.AdminKey, session.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(64, session.GetProperty("csrf_token").GetString()!.Length);
        // The cookie alone now reads the admin API.
        using var budgets = await browser.GetAsync("/admin/budgets", Ct);
        Assert.Equal(HttpStatusCode.OK, budgets.StatusCode);
    }

    [Fact]
    public async Task Change_WithCookieButNoOrWrongCsrfToken_403AndNothingChanges()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var browser = Browser(gateway);
        var (_, session) = await SignInAsync(browser, TestGateway.AdminKey);
        var csrf = session.GetProperty("csrf_token").GetString()!;
        var body = new { id = "b1", scope = new { tenant = "acme" }, limit = "5", period = "daily" };

        using var missing = await browser.SendAsync(Change(HttpMethod.Post, "/admin/budgets", body, null), Ct);
        using var wrong = await browser.SendAsync(Change(HttpMethod.Post, "/admin/budgets", body, new string('0', 64)), Ct);
        var crossSite = Change(HttpMethod.Post, "/admin/budgets", body, csrf);
        crossSite.Headers.Add("Origin", "https://evil.example");
        using var foreign = await browser.SendAsync(crossSite, Ct);
        using var keyMissing = await browser.SendAsync(Change(HttpMethod.Post, "/admin/keys", new { tenant = "acme" }, null), Ct);
        using var logoutMissing = await browser.SendAsync(Change(HttpMethod.Post, "/dashboard/api/logout", null, null), Ct);

        foreach (var refused in new[] { missing, wrong, foreign, keyMissing, logoutMissing })
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct));
            Assert.Equal("csrf_failed", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        using var list = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/budgets", Ct));
        Assert.Equal(0, list.RootElement.GetProperty("data").GetArrayLength());
        using var keys = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/keys", Ct));
        Assert.Equal(0, keys.RootElement.GetProperty("data").GetArrayLength());

        using var allowed = await browser.SendAsync(Change(HttpMethod.Post, "/admin/budgets", body, csrf), Ct);
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        using var deleted = await browser.SendAsync(Change(HttpMethod.Delete, "/admin/budgets/b1", null, csrf), Ct);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
    }

    [Fact]
    public async Task Page_AnyDashboardAnswer_StrictCspNosniffNoFraming()
    {
        await using var gateway = await TestGateway.StartAsync();
        var html = await gateway.Http.GetAsync("/", Ct);
        var page = await html.Content.ReadAsStringAsync(Ct);
        Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);
        var assets = AssetReference().Matches(page).Select(m => m.Groups["path"].Value).ToList();
        Assert.Contains("/dashboard/assets/app.js", assets);
        foreach (var path in new[] { "/", "/dashboard/api/session" }.Concat(assets))
        {
            using var response = await gateway.Http.GetAsync(path, Ct);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        }

        // No inline script or style in the page, no event-handler attributes, nothing from another origin.
        Assert.DoesNotMatch(InlineScript(), page);
        Assert.DoesNotContain("<style", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(HandlerAttribute(), page);
        Assert.DoesNotContain("http", page.Replace("http-equiv", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assets_AllJavaScript_AtMost150KbGzippedAndNoEval()
    {
        await using var gateway = await TestGateway.StartAsync();
        var page = await gateway.Http.GetStringAsync("/", Ct);
        var pending = new Queue<string>(AssetReference().Matches(page).Select(m => m.Groups["path"].Value));
        var seen = new HashSet<string>();
        long gzipped = 0;
        while (pending.TryDequeue(out var path))
        {
            if (!seen.Add(path) || !path.EndsWith(".js", StringComparison.Ordinal))
            {
                continue;
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.AcceptEncoding.ParseAdd("gzip");
            using var response = await gateway.Http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
            var body = await response.Content.ReadAsByteArrayAsync(Ct);
            gzipped += body.Length;
            using var reader = new StreamReader(new GZipStream(new MemoryStream(body), CompressionMode.Decompress));
            var source = await reader.ReadToEndAsync(Ct);
            Assert.DoesNotMatch(EvalLike(), source);
            Assert.DoesNotContain("innerHTML", source, StringComparison.Ordinal);
            foreach (Match import in ModuleImport().Matches(source))
            {
                pending.Enqueue("/dashboard/assets/" + import.Groups["file"].Value);
            }
        }

        Assert.True(seen.Count(p => p.EndsWith(".js", StringComparison.Ordinal)) >= 5, "every module the page imports is measured: " + string.Join(", ", seen));
        Assert.InRange(gzipped, 1, 150 * 1024);
    }

    [Fact]
    public async Task Session_SignOut_CookieNoLongerWorks()
    {
        await using var gateway = await TestGateway.StartAsync();
        var cookies = new CookieContainer();
        using var browser = Browser(gateway, cookies);
        var (_, session) = await SignInAsync(browser, TestGateway.AdminKey);
        var token = cookies.GetCookies(gateway.Host.Address)["tollgate_session"]!.Value;

        using var logout = await browser.SendAsync(Change(HttpMethod.Post, "/dashboard/api/logout", null, session.GetProperty("csrf_token").GetString()), Ct);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Contains("tollgate_session=;", string.Join(";", logout.Headers.GetValues("Set-Cookie")), StringComparison.Ordinal);

        // Replaying the old cookie (as an attacker who kept it would) is refused.
        using var replay = new HttpRequestMessage(HttpMethod.Get, "/admin/budgets");
        replay.Headers.Add("Cookie", "tollgate_session=" + token);
        using var answer = await gateway.Http.SendAsync(replay, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
    }

    [Fact]
    public async Task SignIn_WrongKey_401AndNoCookie()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var browser = Browser(gateway);

        var (response, _) = await SignInAsync(browser, "tg-not-a-key");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        using var me = JsonDocument.Parse(await browser.GetStringAsync("/dashboard/api/session", Ct));
        Assert.False(me.RootElement.GetProperty("signed_in").GetBoolean());
    }

    [Fact]
    public async Task VirtualKeySession_OwnFiguresOnly_AdminApiRefused_RevocationEndsIt()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (idA, keyA) = await gateway.CreateKeyAsync("acme", "p1", "alice");
        var (_, keyB) = await gateway.CreateKeyAsync("globex");
        var requestIds = new List<string>();
        foreach (var key in new[] { keyA, keyA, keyB })
        {
            using var call = await gateway.ClientWithKey(key).PostAsync("/v1/chat/completions", JsonContent.Create(new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hi" } } }), Ct);
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
            requestIds.Add(call.Headers.GetValues("x-tollgate-request-id").Single());
        }

        using var browser = Browser(gateway);
        var (_, session) = await SignInAsync(browser, keyA);
        Assert.Equal("key", session.GetProperty("role").GetString());
        Assert.Equal(idA, session.GetProperty("key").GetProperty("id").GetString());

        using var admin = await browser.GetAsync("/admin/overview", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        using var adminCalls = await browser.GetAsync("/admin/calls", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, adminCalls.StatusCode);
        using var usage = JsonDocument.Parse(await browser.GetStringAsync("/v1/tollgate/usage", Ct));
        Assert.Equal(2, usage.RootElement.GetProperty("groups").EnumerateArray().Sum(g => g.GetProperty("requests").GetInt64()));
        using var calls = JsonDocument.Parse(await browser.GetStringAsync("/v1/tollgate/calls", Ct));
        Assert.Equal(2, calls.RootElement.GetProperty("data").GetArrayLength());
        Assert.All(calls.RootElement.GetProperty("data").EnumerateArray(), c => Assert.Equal(idA, c.GetProperty("key_id").GetString()));
        using var ownCall = await browser.GetAsync("/v1/tollgate/calls/" + requestIds[0], Ct);
        Assert.Equal(HttpStatusCode.OK, ownCall.StatusCode);
        using var otherCall = await browser.GetAsync("/v1/tollgate/calls/" + requestIds[2], Ct);
        Assert.Equal(HttpStatusCode.NotFound, otherCall.StatusCode);
        // Asking for another tenant's figures by filter still answers only this key's.
        var csv = await browser.GetStringAsync("/v1/tollgate/export?tenant=globex", Ct);
        Assert.Equal(3, csv.TrimEnd('\n').Split('\n').Length);

        using var revoke = await gateway.Admin.DeleteAsync($"/admin/keys/{idA}", Ct);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using var after = await browser.GetAsync("/v1/tollgate/usage", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Cookie_OnProxyEndpoint_NotAKey()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var browser = Browser(gateway);
        await SignInAsync(browser, TestGateway.AdminKey);

        using var call = await browser.PostAsync("/v1/chat/completions", JsonContent.Create(new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hi" } } }), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, call.StatusCode);
    }

    [Fact]
    public async Task BearerAdminApi_WithoutCookieOrCsrf_Unchanged()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var created = await gateway.Admin.PostAsJsonAsync("/admin/budgets", new { scope = new { tenant = "acme" }, limit = "5", period = "daily" }, Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.False(created.Headers.Contains("Set-Cookie"));
    }

    [GeneratedRegex("(?:src|href)=\"(?<path>/dashboard/assets/[^\"]+)\"")]
    private static partial Regex AssetReference();

    [GeneratedRegex("<script(?![^>]*\\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex("\\son[a-z]+=", RegexOptions.IgnoreCase)]
    private static partial Regex HandlerAttribute();

    [GeneratedRegex("\\beval\\(|new Function\\(|setTimeout\\(['\"]")]
    private static partial Regex EvalLike();

    [GeneratedRegex("from '\\./(?<file>[a-z]+\\.js)'")]
    private static partial Regex ModuleImport();
}
