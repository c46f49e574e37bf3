using Microsoft.Extensions.Time.Testing;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Tests.Budgets;

/// <summary>A budget defined mid-window counts the window's earlier spend at once; rollover credits no window before it existed.</summary>
public sealed class MidWindowBudgetTests : IAsyncDisposable
{
    private static readonly BudgetSubject Alice = new() { Tenant = "acme", User = "alice", Provider = "openai", Model = "gpt-4o" };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    private readonly InMemoryBudgetStore _store = new();
    private readonly InMemoryLedgerStore _ledger = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _ledger.DisposeAsync();

    private UsageRecord Spent(string id, string tenant, decimal cost, DateTimeOffset at) => new()
    {
        RequestId = id,
        Timestamp = at,
        Provider = "openai",
        Model = "gpt-4o",
        Tenant = tenant,
        Usage = new Usage { InputTokens = 10 },
        TotalCost = cost,
        Currency = "USD",
    };

    [Fact]
    public async Task ReserveAsync_BudgetDefinedAfterTheGateStarted_CountsTheWindowsEarlierSpendAtOnce()
    {
        var definitions = new InMemoryBudgetDefinitionStore();
        var flushed = 0;
        var gate = new BudgetGate(_store, definitions, _time, new BudgetGateOptions
        {
            DefinitionRefresh = TimeSpan.Zero,
            Ledger = _ledger,
            FlushLedgerAsync = _ => { flushed++; return Task.CompletedTask; },
        });
        Assert.True((await gate.ReserveAsync(Alice, 1m, "before", cancellationToken: Ct)).Allowed); // no budget yet
        await _ledger.AppendAsync(
        [
            Spent("a", "acme", 0.7m, _time.GetUtcNow().AddHours(-2)),
            Spent("b", "acme", 0.2m, _time.GetUtcNow().AddHours(-1)),
            Spent("other-tenant", "globex", 5m, _time.GetUtcNow().AddHours(-1)),
            Spent("yesterday", "acme", 5m, _time.GetUtcNow().AddDays(-1)),
        ], Ct);

        // Defined by someone else (another instance, the CLI) straight in the store, mid-window.
        await definitions.UpsertAsync(new Budget { Id = "acme-daily", Scope = BudgetScope.Global with { Tenant = "acme" }, Limit = 1m, Period = BudgetPeriod.Daily, CreatedAt = _time.GetUtcNow() }, Ct);
        var refused = await gate.ReserveAsync(Alice, 0.2m, "after", cancellationToken: Ct);

        Assert.False(refused.Allowed);
        Assert.Equal(0.9m, refused.Trip!.Spent);
        Assert.Equal(1, flushed);
        Assert.True((await gate.ReserveAsync(Alice, 0.1m, "fits", cancellationToken: Ct)).Allowed);
    }

    [Fact]
    public async Task ReserveAsync_BudgetDefinedWhileNoGateRan_CountedAtTheNextStartOnceAcrossGates()
    {
        await _ledger.AppendAsync([Spent("a", "acme", 0.9m, _time.GetUtcNow().AddHours(-1))], Ct);
        var definitions = new InMemoryBudgetDefinitionStore(new Budget { Id = "acme-daily", Scope = BudgetScope.Global with { Tenant = "acme" }, Limit = 1m, Period = BudgetPeriod.Daily });
        var options = new BudgetGateOptions { DefinitionRefresh = TimeSpan.Zero, Ledger = _ledger };

        // The first gate to start counts the window's earlier spend; a second one (another instance) finds it counted.
        var first = new BudgetGate(_store, definitions, _time, options);
        var refused = await first.ReserveAsync(Alice, 0.2m, "r1", cancellationToken: Ct);
        var fits = await first.ReserveAsync(Alice, 0.1m, "r2", cancellationToken: Ct);
        var second = new BudgetGate(_store, definitions, _time, options);
        var alsoRefused = await second.ReserveAsync(Alice, 0.05m, "r3", cancellationToken: Ct);

        Assert.False(refused.Allowed);
        Assert.Equal(0.9m, refused.Trip!.Spent);
        Assert.True(fits.Allowed);
        Assert.False(alsoRefused.Allowed);
        Assert.Equal(0.1m, alsoRefused.Trip!.Held); // the first gate's hold was kept: counted once, not reset by the second
    }

    [Fact]
    public async Task GetStatusAsync_RolloverBudgetCreatedToday_CreditsNothingFromYesterday()
    {
        var budget = new Budget { Id = "r", Limit = 10m, Period = BudgetPeriod.Daily, Rollover = true, CreatedAt = _time.GetUtcNow() };
        var gate = new BudgetGate(_store, new InMemoryBudgetDefinitionStore(budget), _time, new BudgetGateOptions { DefinitionRefresh = TimeSpan.Zero });

        var status = (await gate.GetStatusAsync(Ct)).Single();

        Assert.Equal(10m, status.EffectiveLimit);
        Assert.Equal(0m, status.RolledOver);
        Assert.False((await gate.ReserveAsync(Alice, 10.01m, "r1", cancellationToken: Ct)).Allowed);
    }

    [Fact]
    public async Task GetStatusAsync_RolloverBudgetThatExistedYesterday_CreditsYesterdaysUnusedLimit()
    {
        var budget = new Budget { Id = "r", Limit = 10m, Period = BudgetPeriod.Daily, Rollover = true, CreatedAt = _time.GetUtcNow().AddDays(-3) };
        var gate = new BudgetGate(_store, new InMemoryBudgetDefinitionStore(budget), _time, new BudgetGateOptions { DefinitionRefresh = TimeSpan.Zero });

        var status = (await gate.GetStatusAsync(Ct)).Single();

        Assert.Equal(20m, status.EffectiveLimit);
        Assert.Equal(10m, status.RolledOver);
    }
}
