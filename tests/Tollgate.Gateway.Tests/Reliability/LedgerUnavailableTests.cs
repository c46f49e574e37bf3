using Npgsql;
using Tollgate.Routing;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// When a call cannot be recorded at all — the ledger store refuses and the local spool cannot be written — its answer is
/// withheld with 503 <c>store_unavailable</c>: no other provider is called behind it, the provider is not marked down,
/// and the budget still counts what the provider did.
/// </summary>
public sealed class LedgerUnavailableTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Call_LedgerAndSpoolBothFail_503StoreUnavailableNoRetryBudgetCounted()
    {
        await using var cluster = await MultiInstanceCluster.StartAsync(limit: "1", instances: 1);
        var first = await cluster.LoadAsync(total: 1, concurrency: 1, bodies: _ => MultiInstanceCluster.BodyFor(0));
        Assert.Equal(1, first.Count("200"));
        // The spool slot this instance took cannot be written (a directory where its file should be) ...
        Directory.CreateDirectory(Path.Combine(cluster.DataDirectory, "ledger-spool", "0.jsonl"));
        // ... and the ledger's table is gone for a moment.
        await ExecuteAsync(cluster.Store, "ALTER TABLE ledger_records RENAME TO ledger_records_away");
        LoadResult load;
        try
        {
            load = await cluster.LoadAsync(total: 20, concurrency: 4, bodies: _ => MultiInstanceCluster.BodyFor(0));
        }
        finally
        {
            await ExecuteAsync(cluster.Store, "ALTER TABLE ledger_records_away RENAME TO ledger_records");
        }

        Assert.True(load.Count("503 store_unavailable") == 20, $"every call should be withheld: {load}");
        Assert.Equal(21, cluster.Upstream.RequestCount);
        var health = (HealthMonitor)cluster.Hosts[0].Services.GetService(typeof(HealthMonitor))!;
        Assert.True(health.IsAvailable("openai", "gpt-4o-mini"));
        var (spent, held, _) = await cluster.BudgetAsync();
        Assert.Equal(0m, held);
        // 21 calls of 5 + 40 tokens of gpt-4o-mini (21 × 0.00002475), one of them recorded.
        Assert.Equal(0.00051975m, spent);
        Assert.Single((await cluster.LedgerAsync()).Records);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
