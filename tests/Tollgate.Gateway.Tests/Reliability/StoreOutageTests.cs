using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// PostgreSQL and Redis stopped and started again under load, two instances, a hard budget: clients get only 200, 429
/// (budget), 403 (unpriced) or 503 <c>store_unavailable</c> with <c>Retry-After</c> — never 500 or 502. After recovery
/// every call that reached the provider is in the ledger exactly once (answered ones included), the budget's counters
/// equal the ledger's sum to the nano-unit, and the budget was not overshot.
/// </summary>
public sealed class StoreOutageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostgresAndRedisStoppedAndRestartedMidLoad_OnlyDocumentedStatusesNothingLostNothingDoubled()
    {
        await using var cluster = await MultiInstanceCluster.StartAsync(limit: "0.02", instances: 2, postgresAdmin: OutageServices.Postgres, redis: OutageServices.Redis);
        var outageOver = new TaskCompletionSource();
        var load = cluster.LoadAsync(total: 2000, concurrency: 40, backOff: true, until: outageOver.Task);
        var (postgresDown, redisDown) = (false, false);
        var adminAnswers = new List<(string Path, int Status, string Body)>();
        try
        {
            // PostgreSQL first (the ledger spools, key lookups and budget definitions fail), then Redis as well (no counters).
            await Task.Delay(700, Ct);
            postgresDown = true;
            await OutageServices.StopPostgresAsync();
            await Task.Delay(700, Ct);
            // The admin API while PostgreSQL is away: its answers or 503 store_unavailable, never a 500.
            using (var admin = cluster.Client(0, TestGateway.AdminKey))
            {
                foreach (var path in new[] { $"/admin/budgets/{cluster.BudgetId}", "/admin/budgets", "/admin/analytics/breakdown?by=model", "/admin/audit", "/admin/alerts" })
                {
                    using var answer = await admin.GetAsync(path, Ct);
                    adminAnswers.Add((path, (int)answer.StatusCode, await answer.Content.ReadAsStringAsync(Ct)));
                }
            }

            redisDown = true;
            await OutageServices.StopRedisAsync();
            await Task.Delay(1500, Ct);
            await OutageServices.StartRedisAsync();
            redisDown = false;
            await Task.Delay(700, Ct);
            await OutageServices.StartPostgresAsync();
            postgresDown = false;
        }
        finally
        {
            outageOver.TrySetResult();
            // Whatever happened above, both run again for the next test.
            if (redisDown)
            {
                await OutageServices.StartRedisAsync();
            }

            if (postgresDown)
            {
                await OutageServices.StartPostgresAsync();
            }
        }

        Assert.All(adminAnswers, a => Assert.True(a.Status == 200 || (a.Status == 503 && a.Body.Contains("store_unavailable", StringComparison.Ordinal)), $"{a.Path}: {a.Status} {a.Body}"));
        var result = await load;
        TestContext.Current.TestOutputHelper?.WriteLine($"outcomes: {result}");
        var allowed = new HashSet<string>(StringComparer.Ordinal) { "200", "429 budget_exceeded", "403 model_unpriced", "503 store_unavailable" };
        Assert.True(result.Outcomes.Keys.All(allowed.Contains), $"undocumented outcomes: {result}");
        Assert.True(result.Count("503 store_unavailable") > 0, $"the outage was not felt: {result}");
        Assert.True(result.Count("200") > 0, $"nothing was answered: {result}");

        await cluster.SettleDeferredAsync(TimeSpan.FromSeconds(30));
        var (records, ledgerNanos) = await cluster.LedgerAsync();
        Assert.All(result.Answered, id => Assert.Equal(1, records.GetValueOrDefault(id)));
        // Every call that reached the provider is recorded, once.
        Assert.Equal(cluster.Upstream.RequestCount, records.Values.Sum());
        var (spent, _, limit) = await cluster.BudgetAsync();
        Assert.Equal(MultiInstanceCluster.FromNanos(ledgerNanos), spent);
        Assert.True(spent <= limit, $"overshoot: spent {spent} of {limit}");
    }
}
