using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Tests.Budgets;

public sealed class BudgetRecomputeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static UsageRecord Record(string id, DateTimeOffset at, string tenant, decimal cost) =>
        new() { RequestId = id, Timestamp = at, Provider = "openai", Model = "gpt-4o", Tenant = tenant, TotalCost = cost };

    [Fact]
    public async Task RecomputeAsync_DailyTenantBudget_SetsSpendFromMatchingRecordsInWindow()
    {
        var now = new DateTimeOffset(2026, 11, 22, 15, 0, 0, TimeSpan.Zero);
        await using var ledger = new InMemoryLedgerStore();
        await ledger.AppendAsync([
            Record("a", now.AddHours(-1), "acme", 1.25m),
            Record("b", now.AddHours(-2), "acme", 0.75m),
            Record("c", now.AddHours(-1), "globex", 9m),        // other tenant
            Record("d", now.AddDays(-1), "acme", 5m),            // yesterday's window
        ], Ct);
        var store = new InMemoryBudgetStore();
        await store.SetSpentAsync("t", "daily:2026-11-22", 123, Ct); // stale counter: replaced, not added to
        var budget = new Budget { Id = "t", Scope = new BudgetScope { Tenant = "acme" }, Limit = 10m, Period = BudgetPeriod.Daily };

        var spent = await BudgetRecompute.RecomputeAsync(budget, ledger, store, now, cancellationToken: Ct);
        Assert.Equal(2m, spent);
        Assert.Equal(Money.ToNanos(2m), (await store.GetCounterAsync("t", "daily:2026-11-22", now, Ct)).SpentNanos);

        // Idempotent: a second run sets the same value.
        await BudgetRecompute.RecomputeAsync(budget, ledger, store, now, cancellationToken: Ct);
        Assert.Equal(Money.ToNanos(2m), (await store.GetCounterAsync("t", "daily:2026-11-22", now, Ct)).SpentNanos);
    }

    [Fact]
    public async Task RecomputeAsync_Rolling3Days_SetsEachBucket()
    {
        var now = new DateTimeOffset(2026, 11, 22, 15, 0, 0, TimeSpan.Zero);
        await using var ledger = new InMemoryLedgerStore();
        await ledger.AppendAsync([Record("a", now, "acme", 1m), Record("b", now.AddDays(-2), "acme", 2m), Record("c", now.AddDays(-3), "acme", 4m)], Ct);
        var store = new InMemoryBudgetStore();
        var budget = new Budget { Id = "r", Limit = 10m, Period = BudgetPeriod.RollingDays(3) };
        Assert.Equal(3m, await BudgetRecompute.RecomputeAsync(budget, ledger, store, now, cancellationToken: Ct));
        Assert.Equal(Money.ToNanos(2m), (await store.GetCounterAsync("r", "day:2026-11-20", now, Ct)).SpentNanos);
        Assert.Equal(0, (await store.GetCounterAsync("r", "day:2026-11-21", now, Ct)).SpentNanos);
    }
}
