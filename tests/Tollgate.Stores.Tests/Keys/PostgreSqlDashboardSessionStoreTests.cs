using Npgsql;
using Tollgate.Keys;
using Tollgate.PostgreSql.Keys;

namespace Tollgate.Stores.Tests.Keys;

/// <summary>Runs the dashboard session conformance suite against a fresh PostgreSQL database per test class instance, through two data sources.</summary>
public sealed class PostgreSqlDashboardSessionStoreTests : DashboardSessionStoreConformanceTests, IAsyncLifetime
{
    private string? _database;
    private NpgsqlDataSource? _first;
    private NpgsqlDataSource? _second;

    public async ValueTask InitializeAsync()
    {
        _database = TestServices.NewName("tg_sessions_");
        var connectionString = await TestServices.CreatePostgresDatabaseAsync(_database);
        _first = NpgsqlDataSource.Create(connectionString);
        _second = NpgsqlDataSource.Create(connectionString);
    }

    protected override async Task<(IDashboardSessionStore First, IDashboardSessionStore Second)> CreateStoresAsync(TimeProvider time)
    {
        // Each test gets a clean table in this class's database.
        await using (var drop = _first!.CreateCommand("DROP TABLE IF EXISTS tollgate_dashboard_sessions"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var first = new PostgreSqlDashboardSessionStore(_first, time);
        await first.InitializeAsync();
        await first.InitializeAsync(); // idempotent
        var second = new PostgreSqlDashboardSessionStore(_second!, time);
        await second.InitializeAsync();
        return (first, second);
    }

    public async ValueTask DisposeAsync()
    {
        if (_first is not null)
        {
            await _first.DisposeAsync();
        }

        if (_second is not null)
        {
            await _second.DisposeAsync();
        }

        if (_database is not null)
        {
            await TestServices.DropPostgresDatabaseAsync(_database);
        }
    }
}
