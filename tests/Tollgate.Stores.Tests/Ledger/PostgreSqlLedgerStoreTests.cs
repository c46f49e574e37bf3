using Npgsql;
using Tollgate.Ledger;
using Tollgate.PostgreSql.Ledger;

namespace Tollgate.Stores.Tests.Ledger;

/// <summary>Creates its own database (dropped afterwards) on the server named by TOLLGATE_TEST_POSTGRES.</summary>
public sealed class PostgreSqlLedgerDatabase : IAsyncLifetime
{
    private string? _admin;

    public string ConnectionString { get; private set; } = "";

    public string DatabaseName { get; } = "tg_" + Guid.NewGuid().ToString("N")[..16];

    public async ValueTask InitializeAsync()
    {
        _admin = Environment.GetEnvironmentVariable("TOLLGATE_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(_admin))
        {
            throw new InvalidOperationException(
                "TOLLGATE_TEST_POSTGRES is not set: export it (e.g. Host=127.0.0.1;Port=55432;Username=tollgate;Database=postgres) or run scripts/test.sh");
        }

        await using (var connection = new NpgsqlConnection(_admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {DatabaseName}", connection);
            await command.ExecuteNonQueryAsync();
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(_admin) { Database = DatabaseName }.ConnectionString;
    }

    /// <summary>A fresh schema in the fixture's database, so each test starts from an empty ledger.</summary>
    public async Task<string> NewSchemaAsync()
    {
        var schema = "s_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is null || ConnectionString.Length == 0)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class PostgreSqlLedgerStoreTests(PostgreSqlLedgerDatabase database)
    : LedgerStoreConformanceTests, IClassFixture<PostgreSqlLedgerDatabase>
{
    protected override async ValueTask<ILedgerStore> CreateStoreAsync() =>
        new PostgreSqlLedgerStore(await database.NewSchemaAsync());

    [Fact]
    public async Task AppendAsync_TwoStoresSameDatabaseConcurrently_CountEachRecordOnce()
    {
        var connectionString = await database.NewSchemaAsync();
        await using var a = new PostgreSqlLedgerStore(connectionString);
        await using var b = new PostgreSqlLedgerStore(connectionString);
        var records = LedgerTestData.Many(2000);

        var results = await Task.WhenAll(
            records.Chunk(250).Select((chunk, i) => (i % 2 == 0 ? a : b).AppendAsync(chunk, TestContext.Current.CancellationToken).AsTask())
                .Concat(records.Chunk(400).Select(chunk => b.AppendAsync(chunk, TestContext.Current.CancellationToken).AsTask())));

        Assert.Equal(records.Count, results.Sum(r => r.Inserted));
        Assert.Equal(records.Count, results.Sum(r => r.Duplicates));
        Assert.Equal(LedgerTestData.Sum(records), (await a.QueryAsync(new LedgerQuery(), TestContext.Current.CancellationToken)).Total);
    }
}
