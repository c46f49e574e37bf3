using Microsoft.Extensions.Time.Testing;
using Tollgate.Budgets;
using Tollgate.Costing;

namespace Tollgate.Tests.Budgets;

/// <summary>
/// The gate's synchronous hot path on the in-process store (cached definitions, emergency flag and hold plan;
/// lock-free counters): default options, so after the first call requests never leave it.
/// </summary>
public sealed class BudgetGateFastPathTests
{
    private static readonly BudgetSubject Acme = new() { Tenant = "acme", User = "alice", Model = "gpt-4o" };
    private static readonly BudgetSubject Beta = new() { Tenant = "beta", User = "bob", Model = "gpt-4o" };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    private readonly InMemoryBudgetStore _store = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BudgetGate Gate(params Budget[] budgets) => new(_store, new InMemoryBudgetDefinitionStore(budgets), _time);

    private async Task<BudgetCounter> CounterAsync(string id, string window) => await _store.GetCounterAsync(id, window, _time.GetUtcNow(), Ct);

    [Fact]
    public async Task ReserveAsync_CachedPlan_CompletesSynchronouslyAndHoldsEveryBudget()
    {
        var gate = Gate(
            new Budget { Id = "global", Limit = 100m, Period = BudgetPeriod.Monthly },
            new Budget { Id = "tenant", Scope = new BudgetScope { Tenant = "acme" }, Limit = 10m, Period = BudgetPeriod.Daily },
            new Budget { Id = "other", Scope = new BudgetScope { Tenant = "beta" }, Limit = 10m, Period = BudgetPeriod.Lifetime });
        var warm = await gate.ReserveAsync(Acme, 0.5m, "warm", cancellationToken: Ct);
        await gate.SettleAsync(warm.Reservation!, 0m, Ct);

        var reserve = gate.ReserveAsync(Acme, 1.25m, "r1", cancellationToken: Ct);
        Assert.True(reserve.IsCompletedSuccessfully);
        var d = await reserve;
        Assert.True(d.Allowed);
        Assert.Equal(BudgetStrategy.Allowed, d.Strategy);
        Assert.Equal(new BudgetCounter(0, 1_250_000_000), await CounterAsync("global", "monthly:2026-11"));
        Assert.Equal(new BudgetCounter(0, 1_250_000_000), await CounterAsync("tenant", "daily:2026-11-22"));
        Assert.Equal(default, await CounterAsync("other", "monthly:2026-11"));

        var lines = d.Reservation!.Lines;
        Assert.Equal(["global", "tenant"], lines.Select(l => l.BudgetId));
        Assert.Equal(["monthly:2026-11", "daily:2026-11-22"], lines.Select(l => l.WindowKey));
        Assert.All(lines, l => Assert.Equal(1_250_000_000, l.AmountNanos));
        Assert.Equal(10_000_000_000, lines[1].LimitNanos);
        Assert.NotEqual(warm.Reservation!.Id, d.Reservation.Id);

        var settle = gate.SettleAsync(d.Reservation, 0.75m, Ct);
        Assert.True(settle.IsCompletedSuccessfully);
        Assert.True(await settle);
        Assert.Equal(new BudgetCounter(750_000_000, 0), await CounterAsync("tenant", "daily:2026-11-22"));
        Assert.False(await gate.SettleAsync(d.Reservation, 0.75m, Ct)); // once only
        Assert.Equal(new BudgetCounter(750_000_000, 0), await CounterAsync("global", "monthly:2026-11"));
    }

    [Fact]
    public async Task ReserveAsync_LaterBudgetFull_EarlierLinesGivenBackAndTripNamesIt()
    {
        var gate = Gate(
            new Budget { Id = "global", Limit = 100m },
            new Budget { Id = "tenant", Name = "Acme daily", Scope = new BudgetScope { Tenant = "acme" }, Limit = 1m, Period = BudgetPeriod.Daily });
        var first = await gate.ReserveAsync(Acme, 0.7m, "r1", cancellationToken: Ct);
        await gate.SettleAsync(first.Reservation!, 0.4m, Ct);
        var held = await gate.ReserveAsync(Acme, 0.5m, "r2", cancellationToken: Ct);
        Assert.True(held.Allowed);

        var refused = await gate.ReserveAsync(Acme, 0.2m, "r3", cancellationToken: Ct);
        Assert.False(refused.Allowed);
        Assert.Equal("tenant", refused.Trip!.BudgetId);
        Assert.Equal(1m, refused.Trip.Limit);
        Assert.Equal(0.4m, refused.Trip.Spent);
        Assert.Equal(0.5m, refused.Trip.Held);
        Assert.Equal(0.2m, refused.Trip.Needed);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), refused.Trip.ResetsAt);
        Assert.Contains("Acme daily", refused.Reason);

        // The global line it took first was given back: global holds only r2.
        Assert.Equal(new BudgetCounter(400_000_000, 500_000_000), await CounterAsync("global", "monthly:2026-11"));
    }

    [Fact]
    public async Task ReserveAsync_ManyThreadsTwoTenants_NeverOverAnyLimitAndAllOrNothing()
    {
        // The global budget is smaller than the two tenant budgets together: global refusals must give back
        // the tenant line (and vice versa) while four threads race.
        var gate = Gate(
            new Budget { Id = "global", Limit = 15m, Period = BudgetPeriod.Lifetime },
            new Budget { Id = "acme", Scope = new BudgetScope { Tenant = "acme" }, Limit = 10m, Period = BudgetPeriod.Lifetime },
            new Budget { Id = "beta", Scope = new BudgetScope { Tenant = "beta" }, Limit = 10m, Period = BudgetPeriod.Lifetime });
        var held = new System.Collections.Concurrent.ConcurrentBag<BudgetReservation>();
        var refusals = 0;
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            var random = new Random(t);
            var subject = t % 2 == 0 ? Acme : Beta;
            for (var i = 0; i < 20_000; i++)
            {
                var worst = random.Next(1, 1000) / 10_000m;
                var d = gate.ReserveAsync(subject, worst, "r").AsTask().GetAwaiter().GetResult();
                if (!d.Allowed)
                {
                    Interlocked.Increment(ref refusals);
                    continue;
                }

                if (random.Next(3) == 0)
                {
                    held.Add(d.Reservation!); // left in flight
                }
                else
                {
                    gate.SettleAsync(d.Reservation!, worst / 2).AsTask().GetAwaiter().GetResult();
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.True(refusals > 1000, $"only {refusals} refusals: the limits were never reached");
        var global = await CounterAsync("global", "lifetime");
        var acme = await CounterAsync("acme", "lifetime");
        var beta = await CounterAsync("beta", "lifetime");
        Assert.True(global.SpentNanos + global.HeldNanos <= 15 * Money.NanosPerUnit, $"global {global}");
        Assert.True(acme.SpentNanos + acme.HeldNanos <= 10 * Money.NanosPerUnit, $"acme {acme}");
        Assert.True(beta.SpentNanos + beta.HeldNanos <= 10 * Money.NanosPerUnit, $"beta {beta}");
        Assert.Equal(global.SpentNanos, acme.SpentNanos + beta.SpentNanos);
        Assert.Equal(global.HeldNanos, acme.HeldNanos + beta.HeldNanos);
        Assert.Equal(held.Sum(r => Money.ToNanosCeiling(r.WorstCase)), global.HeldNanos);

        foreach (var r in held)
        {
            Assert.True(await gate.SettleAsync(r, 0m, Ct));
        }

        Assert.Equal(0, (await CounterAsync("global", "lifetime")).HeldNanos);
        Assert.Equal(0, (await CounterAsync("acme", "lifetime")).HeldNanos);
        Assert.Equal(0, _store.LiveGateHolds);
    }

    [Fact]
    public async Task ReserveAsync_HoldNeverSettled_SweptAfterTtlAndLateSettleStillCounts()
    {
        var gate = Gate(new Budget { Id = "b", Limit = 1m, Period = BudgetPeriod.Lifetime });
        var abandoned = await gate.ReserveAsync(Acme, 1m, "r1", cancellationToken: Ct);
        Assert.True(abandoned.Allowed);
        _time.Advance(TimeSpan.FromMinutes(14));
        Assert.False((await gate.ReserveAsync(Acme, 0.1m, "r2", cancellationToken: Ct)).Allowed);

        _time.Advance(TimeSpan.FromMinutes(1));
        var after = await gate.ReserveAsync(Acme, 0.5m, "r3", cancellationToken: Ct);
        Assert.True(after.Allowed);
        Assert.Equal(new BudgetCounter(0, 500_000_000), await CounterAsync("b", "lifetime"));
        Assert.Equal(1, _store.LiveGateHolds); // the abandoned hold left the expiry registry

        // The provider billed the abandoned call after all: the spend still lands, once.
        Assert.True(await gate.SettleAsync(abandoned.Reservation!, 0.25m, Ct));
        Assert.False(await gate.SettleAsync(abandoned.Reservation!, 0.25m, Ct));
        Assert.Equal(new BudgetCounter(250_000_000, 500_000_000), await CounterAsync("b", "lifetime"));
    }

    [Fact]
    public async Task ReserveAsync_CachedPlanAtWindowEnd_NextRequestGoesToTheNewWindow()
    {
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 22, 23, 59, 59, TimeSpan.Zero));
        var gate = Gate(new Budget { Id = "daily", Limit = 1m, Period = BudgetPeriod.Daily });
        var d = await gate.ReserveAsync(Acme, 1m, "r1", cancellationToken: Ct);
        Assert.Equal("daily:2026-11-22", d.Reservation!.Lines[0].WindowKey);
        Assert.False((await gate.ReserveAsync(Acme, 0.1m, "r2", cancellationToken: Ct)).Allowed);

        _time.Advance(TimeSpan.FromSeconds(1));
        var next = await gate.ReserveAsync(Acme, 1m, "r3", cancellationToken: Ct);
        Assert.True(next.Allowed);
        Assert.Equal("daily:2026-11-23", next.Reservation!.Lines[0].WindowKey);

        // A hold from yesterday settles into yesterday's counter.
        await gate.SettleAsync(d.Reservation, 0.3m, Ct);
        Assert.Equal(new BudgetCounter(300_000_000, 0), await CounterAsync("daily", "daily:2026-11-22"));
        Assert.Equal(new BudgetCounter(0, 1_000_000_000), await CounterAsync("daily", "daily:2026-11-23"));
    }

    [Fact]
    public async Task ReserveAsync_RollingWindow_EarlierDaysCountOnCachedPath()
    {
        var gate = Gate(new Budget { Id = "roll", Limit = 1m, Period = BudgetPeriod.RollingDays(2) });
        var d = await gate.ReserveAsync(Acme, 0.6m, "r1", cancellationToken: Ct);
        await gate.SettleAsync(d.Reservation!, 0.6m, Ct);

        _time.Advance(TimeSpan.FromDays(1));
        var warm = await gate.ReserveAsync(Acme, 0.01m, "warm", cancellationToken: Ct);
        await gate.SettleAsync(warm.Reservation!, 0m, Ct);
        var refused = await gate.ReserveAsync(Acme, 0.5m, "r2", cancellationToken: Ct);
        Assert.False(refused.Allowed);
        Assert.Equal(0.6m, refused.Trip!.Spent);
        Assert.True((await gate.ReserveAsync(Acme, 0.4m, "r3", cancellationToken: Ct)).Allowed);

        _time.Advance(TimeSpan.FromDays(1)); // the first day left the window
        Assert.True((await gate.ReserveAsync(Acme, 0.6m, "r4", cancellationToken: Ct)).Allowed);
    }

    [Fact]
    public async Task ReserveAsync_SoftBudgetOverOnCachedPath_AllowedWithWarning()
    {
        var gate = Gate(new Budget { Id = "hard", Limit = 10m }, new Budget { Id = "soft", Limit = 1m, Enforcement = BudgetEnforcement.Soft });
        await gate.ReserveAsync(Acme, 0.1m, "warm", cancellationToken: Ct);
        var d = await gate.ReserveAsync(Acme, 1m, "r1", cancellationToken: Ct);
        Assert.True(d.Allowed);
        Assert.Equal(BudgetStrategy.AllowedOverSoftLimit, d.Strategy);
        Assert.Contains(d.Warnings, w => w.StartsWith("soft:", StringComparison.Ordinal));
        Assert.Equal(new BudgetCounter(0, 1_100_000_000), await CounterAsync("soft", "monthly:2026-11"));
    }
}
