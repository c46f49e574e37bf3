using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Gateway.Dashboard;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Dashboard;

/// <summary>
/// Dashboard sessions live in the store beside the keys: two gateways on one SQLite file accept each other's sessions,
/// a sign-out on one reaches the other within <see cref="DashboardSessions.CacheFor"/>, and a restart keeps them.
/// </summary>
public sealed class DashboardSharedSessionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static GatewayHostSettings Settings(TimeProvider time) => new() { Time = time, LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning };

    private static async Task<HttpStatusCode> GetWithCookieAsync(TestGateway gateway, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", DashboardCookie.Name + "=" + token);
        using var response = await gateway.Http.SendAsync(request, Ct);
        return response.StatusCode;
    }

    private static async Task<JsonElement> SessionWithCookieAsync(TestGateway gateway, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/api/session");
        request.Headers.Add("Cookie", DashboardCookie.Name + "=" + token);
        using var response = await gateway.Http.SendAsync(request, Ct);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }

    private static async Task<(string Token, string Csrf)> SignInAsync(TestGateway gateway, string key)
    {
        var cookies = new CookieContainer();
        using var browser = DashboardSecurityTests.Browser(gateway, cookies);
        var (response, session) = await DashboardSecurityTests.SignInAsync(browser, key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        response.Dispose();
        return (cookies.GetCookies(gateway.Host.Address)[DashboardCookie.Name]!.Value, session.GetProperty("csrf_token").GetString()!);
    }

    [Fact]
    public async Task TwoGateways_SameSqliteStore_SessionWorksOnBothAndSignOutReachesTheOtherWithinCacheBound()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        string? store = null;
        await using var first = await TestGateway.StartAsync((o, _) =>
        {
            o.BudgetCounters = "store";
            store = o.Store;
        }, Settings(time));
        await using var second = await TestGateway.StartAsync((o, _) =>
        {
            o.BudgetCounters = "store";
            o.Store = store!;
        }, Settings(time));

        var (token, csrf) = await SignInAsync(first, TestGateway.AdminKey);

        // The cookie issued by the first gateway opens the admin API on the second, with the same session.
        Assert.Equal(HttpStatusCode.OK, await GetWithCookieAsync(second, "/admin/budgets", token));
        var seen = await SessionWithCookieAsync(second, token);
        Assert.True(seen.GetProperty("signed_in").GetBoolean());
        Assert.Equal("admin", seen.GetProperty("role").GetString());
        Assert.Equal(csrf, seen.GetProperty("csrf_token").GetString());
        // A change made on the second gateway with the first one's CSRF token goes through.
        using (var change = new HttpRequestMessage(HttpMethod.Post, "/admin/budgets") { Content = JsonContent.Create(new { id = "b1", scope = new { tenant = "acme" }, limit = "5", period = "daily" }) })
        {
            change.Headers.Add("Cookie", DashboardCookie.Name + "=" + token);
            change.Headers.Add(DashboardSessionAuth.CsrfHeader, csrf);
            using var created = await second.Http.SendAsync(change, Ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, await GetWithCookieAsync(first, "/admin/budgets", token));

        // Sign out on the second gateway.
        using (var logout = new HttpRequestMessage(HttpMethod.Post, "/dashboard/api/logout"))
        {
            logout.Headers.Add("Cookie", DashboardCookie.Name + "=" + token);
            logout.Headers.Add(DashboardSessionAuth.CsrfHeader, csrf);
            using var ended = await second.Http.SendAsync(logout, Ct);
            Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await GetWithCookieAsync(second, "/admin/budgets", token));
        // The first gateway trusts its cached copy for at most CacheFor; then the store's answer (gone) counts.
        Assert.Equal(HttpStatusCode.OK, await GetWithCookieAsync(first, "/admin/budgets", token));
        time.Advance(DashboardSessions.CacheFor);
        Assert.Equal(HttpStatusCode.Unauthorized, await GetWithCookieAsync(first, "/admin/budgets", token));
        Assert.False((await SessionWithCookieAsync(first, token)).GetProperty("signed_in").GetBoolean());
    }

    [Fact]
    public async Task Restart_SameSqliteStore_SessionsKeptKeysResolvedAgainAndARotatedAdminKeyRefused()
    {
        var data = Path.Combine(Path.GetTempPath(), "tg-restart-" + Guid.NewGuid().ToString("N"));
        var store = "sqlite:" + Path.Combine(data, "tollgate.db");
        void SameStore(Tollgate.Gateway.Configuration.GatewayOptions o)
        {
            o.Store = store;
            o.DataDirectory = data;
            o.BudgetCounters = "store";   // two gateways share the file at the end
        }

        try
        {
            string adminToken, adminCsrf, keyToken, keyId, otherToken;
            await using (var before = await TestGateway.StartAsync((o, _) => SameStore(o)))
            {
                (keyId, var key) = await before.CreateKeyAsync("acme", "p1", "alice");
                var (otherId, other) = await before.CreateKeyAsync("globex");
                (adminToken, adminCsrf) = await SignInAsync(before, TestGateway.AdminKey);
                (keyToken, _) = await SignInAsync(before, key);
                (otherToken, _) = await SignInAsync(before, other);
                Assert.Equal(HttpStatusCode.OK, await GetWithCookieAsync(before, "/v1/tollgate/usage", otherToken));
                // Revoked while this gateway runs: that session ends with it and stays ended after the restart.
                using var revoke = await before.Admin.DeleteAsync($"/admin/keys/{otherId}", Ct);
                Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
            }

            await using var after = await TestGateway.StartAsync((o, _) => SameStore(o));

            var admin = await SessionWithCookieAsync(after, adminToken);
            Assert.True(admin.GetProperty("signed_in").GetBoolean());
            Assert.Equal("admin", admin.GetProperty("role").GetString());
            Assert.Equal(adminCsrf, admin.GetProperty("csrf_token").GetString());
            Assert.Equal(HttpStatusCode.OK, await GetWithCookieAsync(after, "/admin/budgets", adminToken));
            var own = await SessionWithCookieAsync(after, keyToken);
            Assert.Equal("key", own.GetProperty("role").GetString());
            Assert.Equal(keyId, own.GetProperty("key").GetProperty("id").GetString());
            Assert.Equal("alice", own.GetProperty("key").GetProperty("user").GetString());
            Assert.Equal(HttpStatusCode.OK, await GetWithCookieAsync(after, "/v1/tollgate/usage", keyToken));
            Assert.Equal(HttpStatusCode.Forbidden, await GetWithCookieAsync(after, "/admin/overview", keyToken));
            Assert.Equal(HttpStatusCode.Unauthorized, await GetWithCookieAsync(after, "/v1/tollgate/usage", otherToken));

            // Revoked on the restarted gateway: the kept session ends at its next request.
            using var revokeAfter = await after.Admin.DeleteAsync($"/admin/keys/{keyId}", Ct);
            Assert.Equal(HttpStatusCode.OK, revokeAfter.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, await GetWithCookieAsync(after, "/v1/tollgate/usage", keyToken));

            // An instance whose configured admin key was replaced does not honour the old key's session.
            await using var rotated = await TestGateway.StartAsync((o, _) =>
            {
                SameStore(o);
                o.AdminKey = "rotated-admin-key-0123456789abcdef";
            });
            Assert.Equal(HttpStatusCode.Unauthorized, await GetWithCookieAsync(rotated, "/admin/budgets", adminToken));
            Assert.Equal(HttpStatusCode.OK, await GetWithCookieAsync(after, "/admin/budgets", adminToken));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
