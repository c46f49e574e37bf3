using Microsoft.Extensions.Time.Testing;
using Tollgate.Budgets;
using Tollgate.Redis.Budgets;

namespace Tollgate.Stores.Tests.Budgets;

/// <summary>Emergency mode on Redis: the per-minute request allowance is one for all instances, not one each.</summary>
public sealed class RedisEmergencyThrottleTests(RedisStoreFixture fixture) : IClassFixture<RedisStoreFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReserveAsync_TwoInstancesInEmergency_ShareOneAllowancePerMinute()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 10, 0, 5, TimeSpan.Zero));
        var budgets = new InMemoryBudgetDefinitionStore(new Budget { Id = "em" + Guid.NewGuid().ToString("N")[..8], Limit = 100m });
        var options = new BudgetGateOptions { EmergencyRequestsPerMinute = 3 };

        // Two instances: each its own connection object over the same keys.
        var a = new BudgetGate(new RedisBudgetStore(TestServices.Redis, fixture.Prefix), budgets, time, options);
        await using var leased = new LeasedBudgetStore(new RedisBudgetStore(TestServices.Redis, fixture.Prefix));
        var b = new BudgetGate(leased, budgets, time, options);
        Assert.True(await fixture.Store.TryStartEmergencyAsync(new EmergencyState("em", time.GetUtcNow(), "test"), Ct));
        try
        {
            var decisions = new List<BudgetDecision>();
            for (var i = 0; i < 3; i++)
            {
                decisions.Add(await a.ReserveAsync(BudgetSubject.Anonymous, 0.01m, "a" + i, cancellationToken: Ct));
                decisions.Add(await b.ReserveAsync(BudgetSubject.Anonymous, 0.01m, "b" + i, cancellationToken: Ct));
            }

            Assert.Equal(3, decisions.Count(d => d.Allowed));
            var throttled = decisions.Where(d => !d.Allowed).ToList();
            Assert.All(throttled, d => Assert.Equal(BudgetStrategy.RefusedEmergencyThrottle, d.Strategy));
            Assert.All(throttled, d => Assert.Equal(TimeSpan.FromSeconds(55), d.RetryAfter));

            time.Advance(TimeSpan.FromMinutes(1));
            Assert.True((await b.ReserveAsync(BudgetSubject.Anonymous, 0.01m, "next", cancellationToken: Ct)).Allowed);
        }
        finally
        {
            await fixture.Store.ResetEmergencyAsync(Ct);
        }
    }
}
