using Microsoft.Extensions.Time.Testing;
using Tollgate.Budgets;

namespace Tollgate.Tests.Budgets;

public sealed class BudgetGateTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    private readonly InMemoryBudgetStore _store = new();

    private BudgetGate Gate(params Budget[] budgets) => new(_store, new InMemoryBudgetDefinitionStore(budgets), _time, new BudgetGateOptions { DefinitionRefresh = TimeSpan.Zero });

    private static readonly BudgetSubject Alice = new() { Tenant = "acme", User = "alice", Provider = "openai", Model = "gpt-4o" };

    [Fact]
    public async Task ReserveAsync_HardBudgetFull_RefusedWithTripNumbers()
    {
        var gate = Gate(new Budget { Id = "daily", Name = "Daily cap", Limit = 1m, Period = BudgetPeriod.Daily });
        var first = await gate.ReserveAsync(Alice, 0.6m, "r1", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(first.Allowed);
        var second = await gate.ReserveAsync(Alice, 0.5m, "r2", cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(second.Allowed);
        Assert.Equal(BudgetStrategy.Refused, second.Strategy);
        var trip = second.Trip!;
        Assert.Equal("daily", trip.BudgetId);
        Assert.Equal("Daily cap", trip.BudgetName);
        Assert.Equal(1m, trip.Limit);
        Assert.Equal(0m, trip.Spent);
        Assert.Equal(0.6m, trip.Held);
        Assert.Equal(0.5m, trip.Needed);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), trip.ResetsAt);
        Assert.Contains("Daily cap", second.Reason);

        // Settling below the worst case frees the rest: now it fits.
        Assert.True(await gate.SettleAsync(first.Reservation!, 0.2m, TestContext.Current.CancellationToken));
        var third = await gate.ReserveAsync(Alice, 0.5m, "r3", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(third.Allowed);
        Assert.False(await gate.SettleAsync(first.Reservation!, 0.2m, TestContext.Current.CancellationToken)); // settled once only
    }

    [Fact]
    public async Task ReserveAsync_ExactFit_Allowed()
    {
        var gate = Gate(new Budget { Id = "b", Limit = 1m });
        Assert.True((await gate.ReserveAsync(Alice, 1m, "r", cancellationToken: TestContext.Current.CancellationToken)).Allowed);
        Assert.False((await gate.ReserveAsync(Alice, 0.000000001m, "r2", cancellationToken: TestContext.Current.CancellationToken)).Allowed);
    }

    [Fact]
    public async Task ReserveAsync_DailyWindowRollsOver_NewWindowStartsEmptyAndLifetimeKeepsTotal()
    {
        var gate = Gate(new Budget { Id = "daily", Limit = 1m, Period = BudgetPeriod.Daily }, new Budget { Id = "life", Limit = 100m, Period = BudgetPeriod.Lifetime });
        var d = await gate.ReserveAsync(Alice, 1m, "r1", cancellationToken: TestContext.Current.CancellationToken);
        await gate.SettleAsync(d.Reservation!, 0.9m, TestContext.Current.CancellationToken);
        Assert.False((await gate.ReserveAsync(Alice, 0.5m, "r2", cancellationToken: TestContext.Current.CancellationToken)).Allowed);

        _time.SetUtcNow(new DateTimeOffset(2026, 11, 22, 23, 59, 59, TimeSpan.Zero));
        Assert.False((await gate.ReserveAsync(Alice, 0.5m, "r3", cancellationToken: TestContext.Current.CancellationToken)).Allowed);
        _time.Advance(TimeSpan.FromSeconds(1));
        var next = await gate.ReserveAsync(Alice, 0.5m, "r4", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(next.Allowed);
        await gate.SettleAsync(next.Reservation!, 0.5m, TestContext.Current.CancellationToken);

        var status = await gate.GetStatusAsync(TestContext.Current.CancellationToken);
        var daily = status.Single(s => s.Budget.Id == "daily");
        Assert.Equal("daily:2026-11-23", daily.Window.Key);
        Assert.Equal(0.5m, daily.Spent);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero), daily.ResetsAt);
        Assert.Equal(1.4m, status.Single(s => s.Budget.Id == "life").Spent);
        Assert.Equal(0.9m, Tollgate.Costing.Money.FromNanos((await _store.GetCounterAsync("daily", "daily:2026-11-22", _time.GetUtcNow(), TestContext.Current.CancellationToken)).SpentNanos));
    }

    [Fact]
    public async Task ReserveAsync_TwoBudgetsOneFull_NothingHeldOnTheOther()
    {
        var gate = Gate(new Budget { Id = "tenant", Scope = new BudgetScope { Tenant = "acme" }, Limit = 10m }, new Budget { Id = "user", Scope = new BudgetScope { User = "alice" }, Limit = 1m });
        var d = await gate.ReserveAsync(Alice, 2m, "r", cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(d.Allowed);
        Assert.Equal("user", d.Trip!.BudgetId);
        var status = await gate.GetStatusAsync(TestContext.Current.CancellationToken);
        Assert.All(status, s => Assert.Equal(0m, s.Held));

        var bob = await gate.ReserveAsync(Alice with { User = "bob" }, 2m, "r2", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(bob.Allowed);
        Assert.Single(bob.Reservation!.Lines);
    }

    [Fact]
    public async Task ReserveAsync_SoftBudgetOver_AllowedWithWarning()
    {
        var gate = Gate(new Budget { Id = "soft", Limit = 1m, Enforcement = BudgetEnforcement.Soft });
        var d = await gate.ReserveAsync(Alice, 2m, "r", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(d.Allowed);
        Assert.Equal(BudgetStrategy.AllowedOverSoftLimit, d.Strategy);
        Assert.Contains(d.Warnings, w => w.StartsWith("soft:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReserveAsync_HoldNotSettled_ExpiresAfterTtl()
    {
        var gate = Gate(new Budget { Id = "b", Limit = 1m });
        Assert.True((await gate.ReserveAsync(Alice, 1m, "r1", cancellationToken: TestContext.Current.CancellationToken)).Allowed);
        _time.Advance(TimeSpan.FromMinutes(14));
        Assert.False((await gate.ReserveAsync(Alice, 1m, "r2", cancellationToken: TestContext.Current.CancellationToken)).Allowed);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await gate.ReserveAsync(Alice, 1m, "r3", cancellationToken: TestContext.Current.CancellationToken)).Allowed);
    }

    [Fact]
    public async Task ReserveAsync_PerRequestLimitOnHardBudget_Refused()
    {
        var gate = Gate(new Budget { Id = "b", Limit = 100m, PerRequestLimit = 0.10m });
        var d = await gate.ReserveAsync(Alice, 0.11m, "r", cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(d.Allowed);
        Assert.Equal(BudgetStrategy.RefusedPerRequestLimit, d.Strategy);
        Assert.True((await gate.ReserveAsync(Alice, 0.10m, "r2", cancellationToken: TestContext.Current.CancellationToken)).Allowed);
    }

    [Fact]
    public async Task ReserveAsync_AdaptiveBudget_LowersMaxTokensToStrictBound()
    {
        var gate = Gate(new Budget { Id = "a", Limit = 1m, Enforcement = BudgetEnforcement.Adaptive });
        var spend = await gate.ReserveAsync(Alice, 0.9m, "r0", cancellationToken: TestContext.Current.CancellationToken);
        await gate.SettleAsync(spend.Reservation!, 0.9m, TestContext.Current.CancellationToken);

        // 0.1 left; input 0.01, output 0.0001/token, asks 4000 tokens (worst 0.41): 900 tokens fit exactly.
        var shape = new BudgetRequestShape { Model = new ModelCostShape("openai", "gpt-4o", 0.01m, 0.0001m), MaxTokens = 4000, Temperature = 0.9f };
        var d = await gate.ReserveAsync(Alice, shape.WorstCase, "r1", shape, TestContext.Current.CancellationToken);
        Assert.True(d.Allowed);
        Assert.Equal(BudgetStrategy.Adapted, d.Strategy);
        Assert.Equal(900, d.Adaptation!.MaxTokens);
        Assert.Equal([AdaptiveStep.LowerMaxTokens], d.Adaptation.Applied);
        Assert.Equal(0.1m, d.Reservation!.WorstCase);
        Assert.Equal(0.9f, d.Adaptation.Temperature);
        Assert.False((await gate.ReserveAsync(Alice, 0.000000001m, "r2", cancellationToken: TestContext.Current.CancellationToken)).Allowed);
    }

    [Fact]
    public async Task ReserveAsync_AdaptiveTooLittleForExpensiveModel_SwitchesToFallbackAndDropsTools()
    {
        var gate = Gate(new Budget { Id = "a", Limit = 0.05m, Enforcement = BudgetEnforcement.Adaptive });
        var shape = new BudgetRequestShape
        {
            Model = new ModelCostShape("openai", "gpt-4o", 0.06m, 0.0001m) { ToolsInputCost = 0.01m },
            Fallback = new ModelCostShape("openai", "gpt-4o-mini", 0.004m, 0.00001m) { ToolsInputCost = 0.004m },
            MaxTokens = 10_000,
            HasTools = true,
            Temperature = 1f,
        };
        var d = await gate.ReserveAsync(Alice, shape.WorstCase, "r", shape, TestContext.Current.CancellationToken);
        Assert.True(d.Allowed, d.Reason);
        var a = d.Adaptation!;
        Assert.Equal("gpt-4o-mini", a.Model);
        // with the fallback: 0.05 - 0.004 - 0.004 tools = 0.042 → 4200 tokens: fits without dropping tools.
        Assert.Equal(4200, a.MaxTokens);
        Assert.Equal([AdaptiveStep.LowerMaxTokens, AdaptiveStep.FallbackModel], a.Applied);
        Assert.False(a.DropTools);
        Assert.True(d.Reservation!.WorstCase <= 0.05m);
    }

    [Fact]
    public async Task ReserveAsync_AdaptiveOrderToolsFirst_DropsToolsBeforeLoweringTokens()
    {
        var gate = new BudgetGate(_store, new InMemoryBudgetDefinitionStore(new Budget { Id = "a", Limit = 0.05m, Enforcement = BudgetEnforcement.Adaptive }), _time,
            new BudgetGateOptions { AdaptiveOrder = [AdaptiveStep.DropTools, AdaptiveStep.LowerTemperature, AdaptiveStep.LowerMaxTokens] });
        var shape = new BudgetRequestShape { Model = new ModelCostShape(null, "m", 0.01m, 0.0001m) { ToolsInputCost = 0.01m }, MaxTokens = 400, HasTools = true, Temperature = 1f };
        var d = await gate.ReserveAsync(Alice, shape.WorstCase, "r", shape, TestContext.Current.CancellationToken);
        Assert.True(d.Allowed);
        Assert.Equal([AdaptiveStep.DropTools], d.Adaptation!.Applied); // 0.01 + 400×0.0001 = 0.05 fits once tools are gone
        Assert.True(d.Adaptation.DropTools);
        Assert.Equal(400, d.Adaptation.MaxTokens);
    }

    [Fact]
    public async Task ReserveAsync_AdaptiveNothingLeft_RefusedNamingBudget()
    {
        var gate = Gate(new Budget { Id = "a", Limit = 0.01m, Enforcement = BudgetEnforcement.Adaptive });
        var shape = new BudgetRequestShape { Model = new ModelCostShape(null, "m", 0.02m, 0.0001m), MaxTokens = 100 };
        var d = await gate.ReserveAsync(Alice, shape.WorstCase, "r", shape, TestContext.Current.CancellationToken);
        Assert.False(d.Allowed);
        Assert.Equal("a", d.Trip!.BudgetId);
    }

    [Fact]
    public async Task ReserveAsync_RolloverWithCap_AddsUnusedUpToMax()
    {
        var gate = Gate(new Budget { Id = "r", Limit = 10m, Period = BudgetPeriod.Daily, Rollover = true, MaxRollover = 3m });
        var d = await gate.ReserveAsync(Alice, 2m, "r1", cancellationToken: TestContext.Current.CancellationToken);
        await gate.SettleAsync(d.Reservation!, 2m, TestContext.Current.CancellationToken); // 8 unused, capped at 3
        _time.Advance(TimeSpan.FromDays(1));
        var status = (await gate.GetStatusAsync(TestContext.Current.CancellationToken)).Single();
        Assert.Equal(13m, status.EffectiveLimit);
        Assert.Equal(3m, status.RolledOver);
        Assert.True((await gate.ReserveAsync(Alice, 13m, "r2", cancellationToken: TestContext.Current.CancellationToken)).Allowed);
        Assert.False((await gate.ReserveAsync(Alice, 0.01m, "r3", cancellationToken: TestContext.Current.CancellationToken)).Allowed);
    }

    [Fact]
    public async Task ReserveAsync_BudgetInEuro_ConvertsAtConfiguredRate()
    {
        var gate = new BudgetGate(_store, new InMemoryBudgetDefinitionStore(new Budget { Id = "eur", Limit = 9m, Currency = "EUR" }), _time,
            new BudgetGateOptions { ExchangeRates = new FixedExchangeRates(new Dictionary<string, decimal> { ["EUR"] = 0.9m }) });
        var d = await gate.ReserveAsync(Alice, 10m, "r", cancellationToken: TestContext.Current.CancellationToken); // 10 USD = 9 EUR
        Assert.True(d.Allowed);
        await gate.SettleAsync(d.Reservation!, 5m, TestContext.Current.CancellationToken);
        var status = (await gate.GetStatusAsync(TestContext.Current.CancellationToken)).Single();
        Assert.Equal(4.5m, status.Spent);
        var refused = await gate.ReserveAsync(Alice, 5.1m, "r2", cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(refused.Allowed);
        Assert.Equal("EUR", refused.Trip!.Currency);
    }

    [Fact]
    public async Task ReserveAsync_EmergencyMode_CheapestModelAndThrottle()
    {
        var gate = new BudgetGate(_store, new InMemoryBudgetDefinitionStore(new Budget { Id = "b", Limit = 100m }), _time, new BudgetGateOptions { EmergencyRequestsPerMinute = 2 });
        await _store.TryStartEmergencyAsync(new EmergencyState("b", _time.GetUtcNow(), "test"), TestContext.Current.CancellationToken);
        var shape = new BudgetRequestShape { Model = new ModelCostShape("openai", "gpt-4o", 0.01m, 0.0001m), Fallback = new ModelCostShape("openai", "gpt-4o-mini", 0.001m, 0.00001m), MaxTokens = 100 };
        var d1 = await gate.ReserveAsync(Alice, shape.WorstCase, "r1", shape, TestContext.Current.CancellationToken);
        Assert.True(d1.Allowed);
        Assert.Equal(BudgetStrategy.Emergency, d1.Strategy);
        Assert.Equal("gpt-4o-mini", d1.Adaptation!.Model);
        Assert.True((await gate.ReserveAsync(Alice, 0.01m, "r2", cancellationToken: TestContext.Current.CancellationToken)).Allowed);
        var d3 = await gate.ReserveAsync(Alice, 0.01m, "r3", cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(d3.Allowed);
        Assert.Equal(BudgetStrategy.RefusedEmergencyThrottle, d3.Strategy);
        Assert.Equal(TimeSpan.FromMinutes(1), d3.RetryAfter);

        Assert.True(await gate.ResetEmergencyAsync(TestContext.Current.CancellationToken));
        var after = await gate.ReserveAsync(Alice, shape.WorstCase, "r4", shape, TestContext.Current.CancellationToken);
        Assert.Equal(BudgetStrategy.Allowed, after.Strategy);
        Assert.Null(after.Adaptation);
    }

    [Fact]
    public async Task ReserveAsync_NoBudgetApplies_AllowedAndSettleIsNoOp()
    {
        var gate = Gate(new Budget { Id = "other", Scope = new BudgetScope { Tenant = "globex" }, Limit = 1m });
        var d = await gate.ReserveAsync(Alice, 5m, "r", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(d.Allowed);
        Assert.Empty(d.Reservation!.Lines);
        Assert.True(await gate.SettleAsync(d.Reservation, 5m, TestContext.Current.CancellationToken));
    }
}
