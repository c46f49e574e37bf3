using System.Net;
using System.Text;
using System.Text.Json;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// Isolation probes: a key holder calls every endpoint a virtual key can reach, and nothing it gets back — headers or
/// bodies, answers or refusals — carries another tenant's figures or a shared budget's (global, provider, model, a
/// project without its tenant), unless the operator opted in with <c>showSharedBudgets</c>.
/// </summary>
public sealed class IsolationProbeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Budgets acme's calls are held against besides its own, with limits smaller than acme's, so a leak would show.</summary>
    private static readonly (string Id, object Scope, string Limit)[] Shared =
    [
        ("shared-global", new { }, "9.111111"),
        ("shared-provider", new { provider = "openai" }, "8.222222"),
        ("shared-model", new { model = "gpt-4o-mini" }, "7.333333"),
        ("shared-project", new { project = "bot" }, "6.444444"),
    ];

    private static readonly (string Method, string Path, string? Body)[] Probes =
    [
        ("POST", "/v1/chat/completions", """{"model":"gpt-4o-mini","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}"""),
        ("POST", "/v1/chat/completions", """{"model":"gpt-4o-mini","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}"""),
        ("POST", "/v1/responses", """{"model":"gpt-4o-mini","max_output_tokens":50,"input":"hi"}"""),
        ("POST", "/v1/responses", """{"model":"gpt-4o-mini","max_output_tokens":50,"stream":true,"input":"hi"}"""),
        ("POST", "/v1/embeddings", """{"model":"text-embedding-3-small","input":"hi"}"""),
        ("POST", "/v1/messages", """{"model":"claude-haiku-4-5","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}"""),
        ("POST", "/v1/messages", """{"model":"claude-haiku-4-5","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}"""),
        ("POST", "/v1/messages/count_tokens", """{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hi"}]}"""),
        ("GET", "/v1/models", null),
        ("GET", "/v1/models/gpt-4o-mini", null),
        ("GET", "/v1/tollgate/usage", null),
        ("GET", "/v1/tollgate/usage?group_by=day", null),
        ("GET", "/v1/tollgate/analytics/breakdown?by=model", null),
        ("GET", "/v1/tollgate/analytics/trend", null),
        ("GET", "/v1/tollgate/analytics/patterns", null),
        ("GET", "/v1/tollgate/calls", null),
        ("GET", "/v1/tollgate/export?tenant=globex", null),
        ("GET", "/dashboard/api/session", null),
        ("GET", "/healthz", null),
        ("GET", "/admin/budgets", null),
        ("GET", "/admin/budgets/shared-global", null),
        ("GET", "/admin/keys", null),
        ("GET", "/admin/reports/cost?group_by=tenant", null),
        ("GET", "/admin/alerts", null),
        ("GET", "/admin/forecast", null),
        ("GET", "/admin/analytics/breakdown?by=tenant", null),
        ("GET", "/admin/overview", null),
        ("GET", "/admin/calls", null),
        ("GET", "/admin/export", null),
        ("GET", "/metrics", null),
    ];

    [Fact]
    public async Task EveryKeyEndpoint_OtherTenantsAndSharedBudgets_NoFigureLeaks()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (acmeId, acmeKey) = await gateway.CreateKeyAsync("acme", "bot", "alice");
        var (globexId, globexKey) = await gateway.CreateKeyAsync("globex", "bot", "carol");
        await gateway.CreateBudgetAsync(new { id = "acme-own", scope = new { tenant = "acme" }, limit = "20", period = "monthly", enforcement = "hard" });
        await gateway.CreateBudgetAsync(new { id = "globex-own", scope = new { tenant = "globex" }, limit = "5.555555", period = "monthly", enforcement = "hard" });
        foreach (var (id, scope, limit) in Shared)
        {
            await gateway.CreateBudgetAsync(new { id, scope, limit, period = "monthly", enforcement = "hard" });
        }

        // The other tenant spends first (odd token counts, so its figures cannot match acme's own by chance), so shared and
        // its own budgets have figures to leak.
        gateway.Upstream.PromptTokens = 1237;
        gateway.Upstream.CompletionTokens = 311;
        using var globex = gateway.ClientWithKey(globexKey);
        for (var i = 0; i < 5; i++)
        {
            (await globex.PostAsync("/v1/chat/completions", CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 50, messages = new[] { new { role = "user", content = "hi" } } }), Ct)).EnsureSuccessStatusCode();
        }

        gateway.Upstream.PromptTokens = 1200;
        gateway.Upstream.CompletionTokens = 300;
        using var acme = gateway.ClientWithKey(acmeKey);
        var seen = new StringBuilder();
        var remainingHeaders = new List<string>();
        foreach (var (method, path, body) in Probes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
            using var response = await acme.SendAsync(request, Ct);
            Assert.True((int)response.StatusCode < 500, $"{method} {path}: {(int)response.StatusCode}");
            var text = await response.Content.ReadAsStringAsync(Ct);
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                seen.Append(header.Key).Append(": ").Append(string.Join(",", header.Value)).Append('\n');
                if (header.Key.Equals("x-tollgate-budget-remaining", StringComparison.OrdinalIgnoreCase))
                {
                    remainingHeaders.Add(header.Value.Single());
                }
            }

            seen.Append(text).Append('\n');
        }

        // Every answer that carried a remaining amount carried acme's own (the shared budgets' are all smaller).
        Assert.NotEmpty(remainingHeaders);
        Assert.All(remainingHeaders, value => Assert.True(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture) > 10m, $"x-tollgate-budget-remaining {value} is not acme's own budget"));

        var everything = seen.ToString();
        var leaks = await ForbiddenFiguresAsync(gateway, ["globex-own", .. Shared.Select(s => s.Id)]);
        leaks.AddRange(["globex", globexId]);
        var found = leaks.Where(l => everything.Contains(l, StringComparison.Ordinal)).ToList();
        Assert.True(found.Count == 0, $"leaked: {string.Join(", ", found.Select(f => $"{f} in …{everything.Substring(Math.Max(0, everything.IndexOf(f, StringComparison.Ordinal) - 300), 400)}…"))}");
        Assert.Contains(acmeId, everything, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o-mini","max_tokens":2000,"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("/v1/messages", """{"model":"claude-haiku-4-5","max_tokens":2000,"messages":[{"role":"user","content":"hi"}]}""")]
    public async Task Refusal_BySharedBudget_SaysSharedWithoutFigures(string path, string body)
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { id = "acme-own", scope = new { tenant = "acme" }, limit = "20", period = "monthly", enforcement = "hard" });
        await gateway.CreateBudgetAsync(new { id = "company-wide", name = "Company wide", scope = new { }, limit = "0.000123", period = "monthly", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        using var doc = JsonDocument.Parse(text);
        var budget = doc.RootElement.GetProperty("error").GetProperty("budget");
        Assert.Equal("shared", budget.GetProperty("scope").GetString());
        foreach (var figure in new[] { "id", "name", "limit", "spent", "held", "remaining", "window" })
        {
            Assert.False(budget.TryGetProperty(figure, out _), $"error.budget.{figure} of a shared budget: {text}");
        }

        Assert.DoesNotContain("company-wide", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Company wide", text, StringComparison.Ordinal);
        Assert.DoesNotContain("0.000123", text, StringComparison.Ordinal);
        Assert.Contains("shared budget", doc.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task Refusal_ByOwnBudget_ShowsItsFigures()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { id = "acme-tiny", scope = new { tenant = "acme" }, limit = "0.000123", period = "monthly", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 2000, messages = new[] { new { role = "user", content = "hi" } } }), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var budget = doc.RootElement.GetProperty("error").GetProperty("budget");
        Assert.Equal("own", budget.GetProperty("scope").GetString());
        Assert.Equal("acme-tiny", budget.GetProperty("id").GetString());
        Assert.Equal("0.000123", budget.GetProperty("limit").GetString());
    }

    [Fact]
    public async Task SharedBudgets_OperatorOptedIn_FiguresShown()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.ShowSharedBudgets = true);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { id = "company-wide", scope = new { }, limit = "3.5", period = "monthly", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        using var ok = await client.PostAsync("/v1/chat/completions", CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 50, messages = new[] { new { role = "user", content = "hi" } } }), Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True(decimal.Parse(ok.Headers.GetValues("x-tollgate-budget-remaining").Single(), System.Globalization.CultureInfo.InvariantCulture) < 3.5m);

        await gateway.CreateBudgetAsync(new { id = "company-tiny", scope = new { }, limit = "0.000123", period = "monthly", enforcement = "hard" });
        using var refused = await client.PostAsync("/v1/chat/completions", CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 2000, messages = new[] { new { role = "user", content = "hi" } } }), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        using var doc = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct));
        var budget = doc.RootElement.GetProperty("error").GetProperty("budget");
        Assert.Equal("shared", budget.GetProperty("scope").GetString());
        Assert.Equal("company-tiny", budget.GetProperty("id").GetString());
        Assert.Equal("0.000123", budget.GetProperty("limit").GetString());
    }

    /// <summary>The ids, limits, spent and remaining amounts of the given budgets, as the admin API formats them.</summary>
    private static async Task<List<string>> ForbiddenFiguresAsync(TestGateway gateway, string[] ids)
    {
        using var doc = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/budgets", Ct));
        var figures = new List<string>();
        foreach (var budget in doc.RootElement.GetProperty("data").EnumerateArray().Where(b => ids.Contains(b.GetProperty("id").GetString())))
        {
            figures.Add(budget.GetProperty("id").GetString()!);
            foreach (var field in new[] { "limit", "spent", "remaining" })
            {
                var value = budget.GetProperty(field).GetString()!;
                if (value != "0")
                {
                    figures.Add(value);
                }
            }
        }

        return figures;
    }
}
