using System.Net;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Routing;

/// <summary>
/// The gateway's request path routes through the core routing (Router, FallbackExecutor, HealthMonitor, registry):
/// proven over real HTTP against two fake providers that both serve <c>gpt-oss-120b</c>, which the price catalog
/// lists at different prices (openai 0.039/0.18 USD per million tokens, cerebras 0.35/0.75).
/// </summary>
public sealed class CoreRoutingTests
{
    private const string Model = "gpt-oss-120b";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat() => CostTests.Json(new { model = Model, max_tokens = 50, messages = new[] { new { role = "user", content = "hi" } } });

    /// <summary>Cerebras is configured first (so configuration order would pick it); openai is on the gateway's default fake.</summary>
    private static Task<TestGateway> StartAsync(FakeUpstream cerebras) => TestGateway.StartAsync((o, _) =>
        o.Providers.Insert(0, new ProviderEndpointOptions { Name = "cerebras", BaseUrl = cerebras.OpenAiBase.ToString(), ApiKey = "cb-secret" }));

    private static string Provider(HttpResponseMessage response) => response.Headers.GetValues("x-tollgate-provider").Single();

    [Fact]
    public async Task Chat_SameModelAtTwoProviders_CheapestHealthyProviderAnswers()
    {
        await using var cerebras = await FakeUpstream.StartAsync();
        await using var gateway = await StartAsync(cerebras);
        var (_, key) = await gateway.CreateKeyAsync("acme");

        using var response = await gateway.ClientWithKey(key).PostAsync("/v1/chat/completions", Chat(), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("openai", Provider(response));
        Assert.Equal(1, gateway.Upstream.RequestCount);
        Assert.Equal(0, cerebras.RequestCount);
    }

    [Fact]
    public async Task AdminPreferThenDisable_NextRequestFollowsAtOnce()
    {
        await using var cerebras = await FakeUpstream.StartAsync();
        await using var gateway = await StartAsync(cerebras);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        using var warm = await client.PostAsync("/v1/chat/completions", Chat(), Ct);

        using var prefer = await gateway.Admin.PostAsync("/admin/providers/cerebras/prefer", CostTests.Json(new { type = "chat" }), Ct);
        using var preferred = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
        using var disable = await gateway.Admin.PostAsync("/admin/providers/cerebras/disable", null, Ct);
        using var afterDisable = await client.PostAsync("/v1/chat/completions", Chat(), Ct);

        Assert.Equal("openai", Provider(warm));
        Assert.Equal(HttpStatusCode.OK, prefer.StatusCode);
        Assert.Equal("cerebras", Provider(preferred));
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.Equal("openai", Provider(afterDisable));
        Assert.Equal(1, cerebras.RequestCount);
    }

    [Fact]
    public async Task AdminModelDisableThenEnable_RoutingSkipsOnlyThatModelOnThatProvider()
    {
        await using var cerebras = await FakeUpstream.StartAsync();
        await using var gateway = await StartAsync(cerebras);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var missing = await gateway.Admin.PostAsync("/admin/providers/openai/models/disable", CostTests.Json(new { }), Ct);
        using var unknown = await gateway.Admin.PostAsync("/admin/providers/nope/models/disable", CostTests.Json(new { model = Model }), Ct);
        using var disable = await gateway.Admin.PostAsync("/admin/providers/openai/models/disable", CostTests.Json(new { model = Model }), Ct);
        var listed = await gateway.Admin.GetStringAsync("/admin/providers", Ct);
        using var whileDisabled = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
        using var enable = await gateway.Admin.PostAsync("/admin/providers/openai/models/enable", CostTests.Json(new { model = Model }), Ct);
        using var afterEnable = await client.PostAsync("/v1/chat/completions", Chat(), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("model is required", await missing.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        using (var providers = System.Text.Json.JsonDocument.Parse(listed))
        {
            var openai = providers.RootElement.GetProperty("data").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "openai");
            Assert.Equal([Model], openai.GetProperty("disabled_models").EnumerateArray().Select(m => m.GetString()));
            Assert.True(openai.GetProperty("enabled").GetBoolean());
        }

        Assert.Equal("cerebras", Provider(whileDisabled));
        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        Assert.Equal("openai", Provider(afterEnable));
        var audit = await gateway.Admin.GetStringAsync("/admin/audit", Ct);
        Assert.Contains("model.disable", audit, StringComparison.Ordinal);
        Assert.Contains("model.enable", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_CheapestProviderFails_FallsBackWithOneLedgerRowPerAttempt_ThenCircuitOpensAndItIsSkipped()
    {
        await using var cerebras = await FakeUpstream.StartAsync();
        await using var gateway = await StartAsync(cerebras);
        gateway.Upstream.FailWithStatus = 503;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        // Five consecutive failures open openai's circuit (HealthOptions.ConsecutiveFailuresToOpen).
        var requestIds = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("cerebras", Provider(response));
            requestIds.Add(response.Headers.GetValues("x-tollgate-request-id").Single());
        }

        using var afterOpen = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
        var skippedId = afterOpen.Headers.GetValues("x-tollgate-request-id").Single();

        Assert.Equal("cerebras", Provider(afterOpen));
        Assert.Equal(5, gateway.Upstream.RequestCount);
        Assert.Equal(6, cerebras.RequestCount);
        foreach (var id in requestIds)
        {
            var failed = await gateway.LedgerRecordAsync(id, 1);
            var answered = await gateway.LedgerRecordAsync(id, 2);
            Assert.Equal(("openai", false, "http_503", 0m), (failed!.Provider, failed.Success, failed.ErrorClass, failed.TotalCost));
            Assert.Equal(("cerebras", true), (answered!.Provider, answered.Success));
            Assert.True(answered.TotalCost > 0m);
        }

        // The open circuit is skipped: the request went straight to cerebras as its first and only attempt.
        var only = await gateway.LedgerRecordAsync(skippedId, 1);
        Assert.Equal(("cerebras", true), (only!.Provider, only.Success));
        Assert.Null(await gateway.LedgerRecordAsync(skippedId, 2));
    }
}
