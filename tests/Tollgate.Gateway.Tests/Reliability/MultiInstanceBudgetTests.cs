using Tollgate.Routing;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// Three instances on PostgreSQL + Redis against a hard budget that is nearly spent: 1,000 concurrent requests mixing
/// plain calls, <c>n = 2</c>, streams and an unpriced model. Only 200, 429 (budget) and 403 (unpriced) come back; the
/// provider, which answers every request it gets, is never marked down; the budget is never overshot, and its
/// counters equal the ledger's sum to the nano-unit.
/// </summary>
public sealed class MultiInstanceBudgetTests
{
    [Fact]
    public async Task ThreeInstances_ThousandConcurrentRequestsAgainstANearlySpentBudget_NoOvershootCountersEqualLedgerNo502()
    {
        // gpt-4o-mini at 5 + 40 tokens costs 0.00002475, gpt-4o 0.0004125: a few dozen calls fit.
        await using var cluster = await MultiInstanceCluster.StartAsync(limit: "0.006");

        var load = await cluster.LoadAsync(total: 1000, concurrency: 100);
        TestContext.Current.TestOutputHelper?.WriteLine($"outcomes: {load}");

        var allowed = new HashSet<string>(StringComparer.Ordinal) { "200", "429 budget_exceeded", "403 model_unpriced" };
        Assert.True(load.Outcomes.Keys.All(allowed.Contains), $"statuses other than 200 / 429 / 403: {load}");
        Assert.True(load.Count("200") > 0 && load.Count("429 budget_exceeded") > 0, $"the budget should both admit and refuse: {load}");
        foreach (var host in cluster.Hosts)
        {
            var health = (HealthMonitor)host.Services.GetService(typeof(HealthMonitor))!;
            Assert.True(health.IsAvailable("openai", "gpt-4o-mini") && health.IsAvailable("openai", "gpt-4o"), $"a healthy provider was marked down: {load}");
        }

        var (records, ledgerNanos) = await cluster.LedgerAsync();
        Assert.All(load.Answered, id => Assert.Equal(1, records.GetValueOrDefault(id)));
        var (spent, held, limit) = await cluster.BudgetAsync();
        Assert.Equal(MultiInstanceCluster.FromNanos(ledgerNanos), spent);
        Assert.Equal(0m, held);
        Assert.True(spent <= limit, $"overshoot: spent {spent} of {limit}");
    }
}
