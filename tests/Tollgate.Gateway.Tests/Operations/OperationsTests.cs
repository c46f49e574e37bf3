using System.Net;
using System.Text.Json;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Admin;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Operations;

public sealed class OperationsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat(string model = "gpt-4o-mini") => CostTests.Json(new { model, max_tokens = 50, messages = new[] { new { role = "user", content = "hi" } } });

    [Fact]
    public async Task Chat_ProviderFails_AttemptRecordedAndFallbackProviderAnswers()
    {
        await using var backup = await FakeUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync((o, _) => o.Providers.Add(new ProviderEndpointOptions
        {
            Name = "backup", BaseUrl = backup.OpenAiBase.ToString(), Format = "openai", ApiKey = "sk-backup", Models = ["gpt-4o-mini"],
        }));
        gateway.Upstream.FailWithStatus = 500;
        var (_, key) = await gateway.CreateKeyAsync("acme");

        using var response = await gateway.ClientWithKey(key).PostAsync("/v1/chat/completions", Chat(), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("backup", response.Headers.GetValues("x-tollgate-provider").Single());
        var requestId = response.Headers.GetValues("x-tollgate-request-id").Single();
        var failed = await gateway.LedgerRecordAsync(requestId, 1);
        var answered = await gateway.LedgerRecordAsync(requestId, 2);
        Assert.NotNull(failed);
        Assert.NotNull(answered);
        Assert.Equal(("openai", false, "http_500", 0m), (failed.Provider, failed.Success, failed.ErrorClass, failed.TotalCost));
        Assert.Equal(("backup", true), (answered.Provider, answered.Success));
        Assert.Equal(1, gateway.Upstream.RequestCount);
        Assert.Equal(1, backup.RequestCount);
    }

    [Fact]
    public async Task Chat_OnlyProviderFails_ProviderErrorPassedThroughAndRecorded()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.FailWithStatus = 429;
        var (_, key) = await gateway.CreateKeyAsync("acme");

        using var response = await gateway.ClientWithKey(key).PostAsync("/v1/chat/completions", Chat(), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Contains("fake upstream failure 429", (await AdminKeysTests.ReadErrorAsync(response)).GetProperty("message").GetString());
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal(("http_429", 0m), (record.ErrorClass, record.TotalCost));
    }

    [Fact]
    public async Task Chat_ProviderUnreachable_502WithNothingRecordedAsSpend()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.Providers[0].BaseUrl = "http://127.0.0.1:9/v1");
        var (_, key) = await gateway.CreateKeyAsync("acme");

        using var response = await gateway.ClientWithKey(key).PostAsync("/v1/chat/completions", Chat(), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Empty(await gateway.LedgerRecordsAsync());
    }

    [Fact]
    public async Task AdminProviders_DisableThenEnable_RoutingFollows()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var disable = await gateway.Admin.PostAsync("/admin/providers/openai/disable", null, Ct);
        using var whileDisabled = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
        using var list = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/providers", Ct));
        using var enable = await gateway.Admin.PostAsync("/admin/providers/openai/enable", null, Ct);
        using var afterEnable = await client.PostAsync("/v1/chat/completions", Chat(), Ct);

        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileDisabled.StatusCode);
        Assert.Contains("disabled", (await AdminKeysTests.ReadErrorAsync(whileDisabled)).GetProperty("message").GetString());
        var openai = list.RootElement.GetProperty("data").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "openai");
        Assert.False(openai.GetProperty("enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, afterEnable.StatusCode);
        Assert.Equal(1, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task Metrics_AfterCalls_PrometheusTextWithCallsCostTokensAndRefusals()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.CachedTokens = 200;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        await gateway.CreateBudgetAsync(new { id = "acme", scope = new { tenant = "acme" }, limit = "5", period = "daily" });
        (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).EnsureSuccessStatusCode();
        using var bad = await client.PostAsync("/v1/chat/completions", Chat("unknown-model-x"), Ct);

        using var response = await gateway.Admin.GetAsync("/metrics", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("tollgate_requests_total{provider=\"openai\",model=\"gpt-4o-mini\",status=\"200\"} 1\n", text);
        Assert.Contains("tollgate_cost_usd_total{provider=\"openai\",model=\"gpt-4o-mini\",status=\"200\"} 0.000345\n", text);
        Assert.Contains("tollgate_input_tokens_total{provider=\"openai\",model=\"gpt-4o-mini\",status=\"200\"} 1200\n", text);
        Assert.Contains("tollgate_output_tokens_total{provider=\"openai\",model=\"gpt-4o-mini\",status=\"200\"} 300\n", text);
        Assert.Contains("tollgate_request_duration_seconds_count{provider=\"openai\",model=\"gpt-4o-mini\"} 1\n", text);
        Assert.Contains("# TYPE tollgate_request_duration_seconds histogram", text);
        Assert.Contains("tollgate_refusals_total{reason=\"model_not_found\"} 1\n", text);
        Assert.Contains("tollgate_requests_active 0\n", text);
        Assert.Contains("tollgate_budget_remaining_usd{budget=\"acme\",scope=\"tenant:acme\"} 4.999655\n", text);

        // The process's own cost, for bench/gateway/cpu.sh and dashboards.
        Assert.Matches(@"\nprocess_cpu_seconds_total [0-9.]+\n", text);
        Assert.Matches(@"\ndotnet_gc_allocated_bytes_total [1-9][0-9]*\n", text);
        Assert.Matches(@"\ndotnet_gc_collections_total\{generation=""0""\} [0-9]+\n", text);
        Assert.Matches(@"\ndotnet_jit_compilation_seconds_total [0-9.]+\n", text);
    }

    [Fact]
    public async Task Models_ListsCatalogModelsOfConfiguredProviders()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        using var doc = JsonDocument.Parse(await gateway.ClientWithKey(key).GetStringAsync("/v1/models", Ct));

        var ids = doc.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToHashSet();
        Assert.Contains("gpt-4o-mini", ids);
        Assert.Contains("claude-3-5-haiku-latest", ids);
        Assert.Contains("gemini-2.0-flash", ids);
    }

    [Fact]
    public async Task OpenApi_DescribesTheAdminApi()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var doc = JsonDocument.Parse(await gateway.Http.GetStringAsync("/openapi.json", Ct));

        var paths = doc.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/v1/chat/completions", "/v1/embeddings", "/v1/messages", "/v1/responses", "/v1/models", "/v1/tollgate/usage", "/admin/keys", "/admin/keys/{id}", "/admin/budgets", "/admin/budgets/{id}", "/admin/providers", "/admin/reports/cost", "/admin/analytics/breakdown", "/v1/tollgate/analytics/breakdown", "/admin/analytics/trend", "/v1/tollgate/analytics/trend", "/admin/analytics/patterns", "/v1/tollgate/analytics/patterns", "/admin/analytics/compare", "/v1/tollgate/analytics/compare", "/admin/alerts", "/admin/alerts/{id}/ack", "/admin/alerts/{id}/expected", "/admin/alerts/responses", "/admin/alerts/responses/{id}/reverse", "/admin/forecast", "/admin/recommendations", "/admin/audit", "/metrics", "/healthz" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"openapi.json lacks {path}");
        }
    }

    [Fact]
    public async Task StartAsync_InvalidOptions_ThrowsListingWhatToFix()
    {
        var options = new GatewayOptions
        {
            Port = 70000,
            Store = "mysql://x",
            Redis = "nohostport",
            AdminKey = "short",
            Providers = [new ProviderEndpointOptions { Name = "nonesuch" }, new ProviderEndpointOptions { Name = "openai", BaseUrl = "ftp://x" }],
            RateLimits = [new RateLimitOptions { Dimension = "team", Rpm = 1 }],
            LedgerRetentionDays = 0,
        };

        var error = await Assert.ThrowsAsync<GatewayConfigurationException>(() => GatewayHost.StartAsync(options, cancellationToken: Ct));
        Assert.Contains("ledgerRetentionDays 0 is out of range", error.Message);

        Assert.Contains("port 70000 is out of range", error.Message);
        Assert.Contains("unknown --store", error.Message);
        Assert.Contains("redis 'nohostport' is not HOST:PORT", error.Message);
        Assert.Contains("admin key is shorter than 16", error.Message);
        Assert.Contains("'nonesuch' is not a known provider", error.Message);
        Assert.Contains("baseUrl 'ftp://x' is not an http(s) URL", error.Message);
        Assert.Contains("dimension 'team' is unknown", error.Message);
    }

    [Fact]
    public async Task Healthz_WithoutKey_Ok()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await gateway.Http.GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
