using Npgsql;
using Tollgate.PostgreSql.Providers;
using Tollgate.Routing;

namespace Tollgate.Stores.Tests.Providers;

/// <summary>Runs the provider state conformance suite against a fresh PostgreSQL database per test class instance.</summary>
public sealed class PostgreSqlProviderStateStoreTests : ProviderStateStoreConformanceTests, IAsyncLifetime
{
    private string? _database;
    private NpgsqlDataSource? _first;
    private NpgsqlDataSource? _second;

    public async ValueTask InitializeAsync()
    {
        _database = TestServices.NewName("tg_providers_");
        var connectionString = await TestServices.CreatePostgresDatabaseAsync(_database);
        _first = NpgsqlDataSource.Create(connectionString);
        _second = NpgsqlDataSource.Create(connectionString);
    }

    protected override async Task<(IProviderStateStore First, IProviderStateStore Second)> CreateStoresAsync()
    {
        // Each test gets clean tables in this class's database.
        await using (var drop = _first!.CreateCommand("DROP TABLE IF EXISTS tollgate_provider_switches, tollgate_provider_preferences, tollgate_provider_stats, tollgate_provider_latency"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var first = new PostgreSqlProviderStateStore(_first);
        await first.InitializeAsync();
        var second = new PostgreSqlProviderStateStore(_second!);
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
