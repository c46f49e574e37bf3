using Tollgate.Budgets;
using Tollgate.PostgreSql.Budgets;
using Tollgate.Redis.Budgets;
using Tollgate.Sqlite.Budgets;

namespace Tollgate.Stores.Tests.Budgets;

public sealed class SqliteStoreFixture : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), TestServices.NewName("tg-budgets-"));

    public SqliteBudgetStore Store { get; private set; } = null!;

    public string Path_ => Path.Combine(_dir, "tollgate.db");

    public async ValueTask InitializeAsync() => Store = await SqliteBudgetStore.OpenAsync(Path_);

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
            // best effort
        }

        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresStoreFixture : IAsyncLifetime
{
    private readonly string _database = TestServices.NewName("tg_");

    public PostgresBudgetStore Store { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await TestServices.CreatePostgresDatabaseAsync(_database);
        Store = await PostgresBudgetStore.OpenAsync(ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await TestServices.DropPostgresDatabaseAsync(_database);
    }
}

public sealed class RedisStoreFixture : IAsyncLifetime
{
    public string Prefix { get; } = TestServices.NewName("tgtest-");

    public RedisBudgetStore Store { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Store = new RedisBudgetStore(TestServices.Redis, Prefix);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        var server = TestServices.Redis.GetServers()[0];
        foreach (var key in server.Keys(pattern: "{" + Prefix + "}*", pageSize: 1000))
        {
            await TestServices.Redis.GetDatabase().KeyDeleteAsync(key);
        }
    }
}

public sealed class InMemoryBudgetStoreConformanceTests : BudgetStoreConformanceTests
{
    protected override IBudgetStore Store { get; } = new InMemoryBudgetStore();
}

public sealed class SqliteBudgetStoreConformanceTests(SqliteStoreFixture fixture) : BudgetStoreConformanceTests, IClassFixture<SqliteStoreFixture>
{
    protected override IBudgetStore Store => fixture.Store;
}

public sealed class PostgresBudgetStoreConformanceTests(PostgresStoreFixture fixture) : BudgetStoreConformanceTests, IClassFixture<PostgresStoreFixture>
{
    protected override IBudgetStore Store => fixture.Store;
}

public sealed class RedisBudgetStoreConformanceTests(RedisStoreFixture fixture) : BudgetStoreConformanceTests, IClassFixture<RedisStoreFixture>
{
    protected override IBudgetStore Store => fixture.Store;
}
