using Npgsql;
using Tollgate.Audit;
using Tollgate.Budgets;
using Tollgate.PostgreSql.Audit;
using Tollgate.PostgreSql.Budgets;

namespace Tollgate.Stores.Tests.Audit;

/// <summary>The audit log conformance suite on PostgreSQL, a fresh database per class instance, plus the upgrade of an older store.</summary>
public sealed class PostgreSqlAuditLogTests : AuditLogConformanceTests, IAsyncLifetime
{
    private string? _connectionString;
    private NpgsqlDataSource? _dataSource;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await TestServices.CreatePostgresDatabaseAsync(TestServices.NewName("tg_audit_"));
        _dataSource = NpgsqlDataSource.Create(_connectionString);
    }

    protected override async Task<IAuditLog> CreateAsync()
    {
        await using (var drop = _dataSource!.CreateCommand("DROP TABLE IF EXISTS tollgate_audit"))
        {
            await drop.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var log = new PostgreSqlAuditLog(_dataSource);
        await log.InitializeAsync();
        await log.InitializeAsync(); // idempotent
        return log;
    }

    [Fact]
    public async Task Initialize_StoreFromBeforeTheAuditLog_TableAddedStateKept()
    {
        await using (var drop = _dataSource!.CreateCommand("DROP TABLE IF EXISTS tollgate_audit"))
        {
            await drop.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var budgets = new PostgresBudgetStore(_connectionString!);
        await budgets.EnsureSchemaAsync(TestContext.Current.CancellationToken);
        await budgets.UpsertAsync(new Budget { Id = "b1", Limit = 5m }, TestContext.Current.CancellationToken);

        var log = new PostgreSqlAuditLog(_dataSource);
        await log.InitializeAsync(TestContext.Current.CancellationToken);
        await log.RecordAsync(new AuditEntry { At = T0, Actor = "cli", Action = "budget.set", Target = "b1", After = "{}" }, TestContext.Current.CancellationToken);

        Assert.Equal(5m, (await budgets.GetAsync("b1", TestContext.Current.CancellationToken))!.Limit);
        Assert.Single(await log.QueryAsync(new AuditQuery(), TestContext.Current.CancellationToken));
        await budgets.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}
