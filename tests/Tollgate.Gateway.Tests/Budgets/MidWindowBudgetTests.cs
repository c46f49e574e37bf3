using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Budgets;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Budgets;

/// <summary>A budget defined while the gateway runs counts its window's earlier spend at once, wherever it was defined.</summary>
public sealed class MidWindowBudgetTests
{
    // gpt-4o-mini, 1200 prompt tokens (200 cached) and 300 completion tokens: 0.000345 USD a call.
    private const decimal CallCost = ((1000 * 0.15m) + (200 * 0.075m) + (300 * 0.60m)) / 1_000_000m;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object ChatBody => new { model = "gpt-4o-mini", max_tokens = 300, messages = new[] { new { role = "user", content = "hello" } } };

    [Fact]
    public async Task AdminBudget_CreatedAfterSpend_CountsTheWindowsEarlierSpendAndRefusesAtOnce()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.CachedTokens = 200;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        for (var i = 0; i < 3; i++)
        {
            using var ok = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody), Ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // 0.001035 spent; 0.000165 of 0.0012 is left, less than a call's worst case (≈ 0.00018).
        var budgetId = await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.0012", currency = "USD", period = "daily", enforcement = "hard" });
        using var refused = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody), Ct);
        using var status = JsonDocument.Parse(await gateway.Admin.GetStringAsync($"/admin/budgets/{budgetId}", Ct));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(3 * CallCost, decimal.Parse(status.RootElement.GetProperty("spent").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(3, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task Budget_DefinedInTheStoreByAnotherProcess_EnforcedWithEarlierSpendWithinASecond()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.CachedTokens = 200;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        for (var i = 0; i < 3; i++)
        {
            using var ok = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody), Ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // As `tollgate budget set` or another instance does: written to the shared definitions, this gateway not told.
        var definitions = gateway.Host.Services.GetRequiredService<IBudgetDefinitionStore>();
        await definitions.UpsertAsync(new Budget
        {
            Id = "from-cli",
            Scope = BudgetScope.Global with { Tenant = "acme" },
            Limit = 0.0012m,
            Period = BudgetPeriod.Daily,
            CreatedAt = DateTimeOffset.UtcNow,
        }, Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(1100), Ct);
        using var refused = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(3, gateway.Upstream.RequestCount);
    }
}
