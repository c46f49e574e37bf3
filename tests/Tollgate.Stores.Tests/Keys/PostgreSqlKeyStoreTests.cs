using Npgsql;
using Tollgate.Keys;
using Tollgate.PostgreSql.Keys;

namespace Tollgate.Stores.Tests.Keys;

/// <summary>Runs the key conformance suite against a fresh PostgreSQL database per test class instance.</summary>
public sealed class PostgreSqlKeyStoreTests : KeyStoreConformanceTests, IAsyncLifetime
{
    private string? _database;
    private NpgsqlDataSource? _dataSource;

    private static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("TOLLGATE_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "TOLLGATE_TEST_POSTGRES is not set: export TOLLGATE_TEST_POSTGRES='Host=127.0.0.1;Port=55432;Username=tollgate;Database=postgres' (scripts/test.sh sets it)");

    public async ValueTask InitializeAsync()
    {
        _database = "tg_keys_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = NpgsqlDataSource.Create(AdminConnectionString))
        await using (var create = admin.CreateCommand($"CREATE DATABASE {_database}"))
        {
            await create.ExecuteNonQueryAsync();
        }

        _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = _database }.ToString());
    }

    protected override async Task<IKeyStore> CreateStoreAsync()
    {
        // Each test gets a clean table in this class's database.
        await using (var drop = _dataSource!.CreateCommand("DROP TABLE IF EXISTS tollgate_keys"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var store = new PostgreSqlKeyStore(_dataSource);
        await store.InitializeAsync();
        await store.InitializeAsync();
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = NpgsqlDataSource.Create(AdminConnectionString);
            await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
            await drop.ExecuteNonQueryAsync();
        }
    }
}
