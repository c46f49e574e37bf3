using System.Net;
using System.Text.Json;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Isolation;

public sealed class TenantIsolationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat() => CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 50, messages = new[] { new { role = "user", content = "hi" } } });

    [Fact]
    public async Task Usage_KeyHolder_SeesOnlyOwnSpendingAndOwnBudgets()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (acmeId, acmeKey) = await gateway.CreateKeyAsync("acme", "bot", "alice");
        var (_, acmeOtherKey) = await gateway.CreateKeyAsync("acme", "bot", "bob");
        var (globexId, globexKey) = await gateway.CreateKeyAsync("globex", "bot", "carol");
        await gateway.CreateBudgetAsync(new { id = "acme-monthly", scope = new { tenant = "acme" }, limit = "10", period = "monthly" });
        await gateway.CreateBudgetAsync(new { id = "globex-monthly", scope = new { tenant = "globex" }, limit = "10", period = "monthly" });
        await gateway.CreateBudgetAsync(new { id = "everyone", scope = new { }, limit = "100", period = "monthly" });
        await gateway.CreateBudgetAsync(new { id = "project-bot", scope = new { project = "bot" }, limit = "5", period = "monthly" });
        using var acme = gateway.ClientWithKey(acmeKey);
        using var acmeOther = gateway.ClientWithKey(acmeOtherKey);
        using var globex = gateway.ClientWithKey(globexKey);
        (await acme.PostAsync("/v1/chat/completions", Chat(), Ct)).EnsureSuccessStatusCode();
        (await acmeOther.PostAsync("/v1/chat/completions", Chat(), Ct)).EnsureSuccessStatusCode();
        (await globex.PostAsync("/v1/chat/completions", Chat(), Ct)).EnsureSuccessStatusCode();
        (await globex.PostAsync("/v1/chat/completions", Chat(), Ct)).EnsureSuccessStatusCode();

        var text = await acme.GetStringAsync("/v1/tollgate/usage", Ct);

        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.Equal(acmeId, root.GetProperty("key").GetProperty("id").GetString());
        var group = Assert.Single(root.GetProperty("groups").EnumerateArray());
        Assert.Equal(1, group.GetProperty("requests").GetInt64());
        var budgets = root.GetProperty("budgets").EnumerateArray().Select(b => b.GetProperty("id").GetString()).ToList();
        Assert.Equal(["acme-monthly"], budgets);
        Assert.DoesNotContain("globex", text);
        Assert.DoesNotContain(globexId, text);
        Assert.DoesNotContain("everyone", text);
        Assert.DoesNotContain("project-bot", text);
    }

    [Theory]
    [InlineData("GET", "/admin/keys")]
    [InlineData("GET", "/admin/budgets")]
    [InlineData("GET", "/admin/budgets/acme-monthly")]
    [InlineData("GET", "/admin/reports/cost?group_by=tenant")]
    [InlineData("GET", "/admin/alerts")]
    [InlineData("GET", "/admin/forecast")]
    [InlineData("GET", "/admin/providers")]
    [InlineData("POST", "/admin/providers/openai/disable")]
    [InlineData("POST", "/admin/budgets")]
    [InlineData("DELETE", "/admin/keys/key_x")]
    [InlineData("GET", "/metrics")]
    public async Task AdminEndpoints_WithClientKey_Forbidden(string method, string path)
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? CostTests.Json(new { limit = "1" }) : null }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Usage_WithAdminKeyOrNoKey_Refused()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var admin = await gateway.Admin.GetAsync("/v1/tollgate/usage", Ct);
        using var anonymous = await gateway.Http.GetAsync("/v1/tollgate/usage", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task ChatCompletion_WithAdminKey_Forbidden()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await gateway.Admin.PostAsync("/v1/chat/completions", Chat(), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }
}
