using Npgsql;
using Tollgate.Keys;
using Tollgate.PostgreSql.Keys;

namespace Tollgate.Stores.Tests.Keys;

/// <summary>Runs the key conformance suite against a fresh PostgreSQL database per test class instance.</summary>
public sealed class PostgreSqlKeyStoreTests : KeyStoreConformanceTests, IAsyncLifetime
{
    private string? _database;
    private NpgsqlDataSource? _dataSource;

    public async ValueTask InitializeAsync()
    {
        _database = TestServices.NewName("tg_keys_");
        var connectionString = await TestServices.CreatePostgresDatabaseAsync(_database);
        _dataSource = NpgsqlDataSource.Create(connectionString);
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
            await TestServices.DropPostgresDatabaseAsync(_database);
        }
    }
}
