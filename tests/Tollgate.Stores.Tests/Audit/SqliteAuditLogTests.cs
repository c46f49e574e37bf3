using Microsoft.Data.Sqlite;
using Tollgate.Audit;
using Tollgate.Budgets;
using Tollgate.Sqlite.Audit;
using Tollgate.Sqlite.Budgets;

namespace Tollgate.Stores.Tests.Audit;

public sealed class SqliteAuditLogTests : AuditLogConformanceTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-audit-" + Guid.NewGuid().ToString("N"));

    protected override async Task<IAuditLog> CreateAsync()
    {
        var log = new SqliteAuditLog(Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".db"));
        await log.InitializeAsync();
        await log.InitializeAsync(); // idempotent
        return log;
    }

    [Fact]
    public async Task Initialize_StoreFromBeforeTheAuditLog_TableAddedStateKept()
    {
        // A store file written before the audit log existed: budgets, no tollgate_audit table.
        var path = Path.Combine(_directory, "old.db");
        var budgets = await SqliteBudgetStore.OpenAsync(path, TestContext.Current.CancellationToken);
        await budgets.UpsertAsync(new Budget { Id = "b1", Limit = 5m }, TestContext.Current.CancellationToken);
        Assert.False(await HasAuditTableAsync(path));

        var log = new SqliteAuditLog(path);
        await log.InitializeAsync(TestContext.Current.CancellationToken);
        await log.RecordAsync(new AuditEntry { At = T0, Actor = "cli", Action = "budget.set", Target = "b1", After = "{}" }, TestContext.Current.CancellationToken);

        Assert.True(await HasAuditTableAsync(path));
        Assert.Equal(5m, (await budgets.GetAsync("b1", TestContext.Current.CancellationToken))!.Limit);
        Assert.Single(await log.QueryAsync(new AuditQuery(), TestContext.Current.CancellationToken));
    }

    private static async Task<bool> HasAuditTableAsync(string path)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'tollgate_audit'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
