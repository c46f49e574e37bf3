using Npgsql;
using Tollgate.Ledger;
using Tollgate.PostgreSql.Ledger;

namespace Tollgate.Stores.Tests.Ledger;

/// <summary>Creates its own database (dropped afterwards) on the server named by TOLLGATE_TEST_POSTGRES.</summary>
public sealed class PostgreSqlLedgerDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public string DatabaseName { get; } = TestServices.NewName("tg_");

    public async ValueTask InitializeAsync() => ConnectionString = await TestServices.CreatePostgresDatabaseAsync(DatabaseName);

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
        if (ConnectionString.Length > 0)
        {
            await TestServices.DropPostgresDatabaseAsync(DatabaseName);
        }
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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    public async Task QueryAsync_LedgerFromOlderSchema_IsUpgradedToCurrentRollups(int version)
    {
        var connectionString = await database.NewSchemaAsync();
        var records = LedgerTestData.Many(300).Select((r, i) => r with { Tags = new Dictionary<string, string> { ["team"] = $"team-{i % 3}" } }).ToList();
        await using (var store = new PostgreSqlLedgerStore(connectionString))
        {
            await store.AppendAsync(records, TestContext.Current.CancellationToken);
        }

        // What that version stored: text-keyed wide rollups (version 1 without the daily one).
        await ExecuteAsync(connectionString, LegacyLedgerSchema.Postgres(version));

        await using var reopened = new PostgreSqlLedgerStore(connectionString);
        var query = new LedgerQuery { Filter = new LedgerFilter { Tenant = "tenant-1" }, GroupBy = LedgerDimension.User, Bucket = TimeBucket.Day };
        var report = await reopened.QueryAsync(query, TestContext.Current.CancellationToken);
        var hourly = await reopened.QueryAsync(new LedgerQuery { GroupBy = LedgerDimension.Project, Bucket = TimeBucket.Hour }, TestContext.Current.CancellationToken);
        var byTenant = await reopened.QueryAsync(new LedgerQuery { GroupBy = LedgerDimension.Tenant }, TestContext.Current.CancellationToken);
        var byTeam = await reopened.QueryAsync(new LedgerQuery { GroupByTag = "team" }, TestContext.Current.CancellationToken);
        // Hours of a +05:30 zone for one tenant: answered from the narrow quarter-hour rollup the upgrade filled.
        var kolkata = await reopened.QueryAsync(new LedgerQuery
        {
            Filter = new LedgerFilter { Tenant = "tenant-1" }, Bucket = TimeBucket.Hour, TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"),
        }, TestContext.Current.CancellationToken);
        // The latency rollups the upgrade filled: every successful call's latency and every cache user, per day and model.
        var latency = await reopened.LatencyRollupsAsync(new LedgerFilter(), cancellationToken: TestContext.Current.CancellationToken);
        var wideLatency = await reopened.LatencyRollupsAsync(new LedgerFilter(), allDimensions: true, TestContext.Current.CancellationToken);
        var tagLatency = await reopened.TagLatencyRollupsAsync(new LedgerFilter(), "team", cancellationToken: TestContext.Current.CancellationToken);
        var more = LedgerTestData.Many(50, seed: 99);
        await reopened.AppendAsync(more, TestContext.Current.CancellationToken);
        await reopened.AppendAsync(more.Take(20).Concat(LedgerTestData.Many(10, seed: 98)).ToList(), TestContext.Current.CancellationToken);
        var all = await reopened.QueryAsync(new LedgerQuery { Filter = new LedgerFilter { User = records[0].User } }, TestContext.Current.CancellationToken);

        Assert.Equal(LedgerTestData.Sum(records.Where(r => r.Tenant == "tenant-1")), report.Total);
        Assert.Equal(records.Where(r => r.Tenant == "tenant-1").Select(r => (r.Timestamp.UtcDateTime.Date, r.User)).Distinct().Count(), report.Groups.Count);
        Assert.Equal(LedgerTestData.Sum(records), hourly.Total);
        LatencyAssert.SameAs(records, latency);
        LatencyAssert.SameAs(records, wideLatency, allDimensions: true);
        LatencyAssert.SameAsTagged(records, "team", tagLatency);
        Assert.Equal(LedgerTestData.Sum(records.Where(r => r.Tenant == "tenant-1")), kolkata.Total);
        Assert.Equal(LedgerTestData.Sum(records.Where(r => r.Tenant == "tenant-1")), byTenant.Groups.Single(g => g.Key == "tenant-1").Metrics);
        Assert.Equal(records.GroupBy(r => r.Tags["team"]).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, LedgerTestData.Sum(g))),
            byTeam.Groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key!, g.Metrics)));
        var expected = records.Concat(more).Concat(LedgerTestData.Many(10, seed: 98)).Where(r => r.User == records[0].User);
        Assert.Equal(LedgerTestData.Sum(expected), all.Total);
        Assert.Equal("12", await ScalarAsync(connectionString, "SELECT value FROM tollgate_meta WHERE key = 'ledger.schema_version'"));
    }

    [Fact]
    public async Task QueryAsync_Version8Ledger_TagRollupsRefilledWithDimensionsEqualTheRecords()
    {
        var connectionString = await database.NewSchemaAsync();
        var kathmandu = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kathmandu");
        await using (var store = new PostgreSqlLedgerStore(connectionString))
        {
            await store.AppendAsync(TagLedger(kathmandu, seed: 8), TestContext.Current.CancellationToken);
        }

        await ExecuteAsync(connectionString, LegacyLedgerSchema.Postgres(8));

        await using var reopened = new PostgreSqlLedgerStore(connectionString);
        foreach (var filter in TagFilters("v8"))
        {
            await AssertTagReportsEqualRecordsAsync(reopened, filter, kathmandu, TestContext.Current.CancellationToken);
        }

        Assert.Equal("12", await ScalarAsync(connectionString, "SELECT value FROM tollgate_meta WHERE key = 'ledger.schema_version'"));
    }

    [Fact]
    public async Task QueryAsync_LedgerFromNewerSchema_FailsWithUpgradeMessage()
    {
        var connectionString = await database.NewSchemaAsync();
        await using (var store = new PostgreSqlLedgerStore(connectionString))
        {
            await store.AppendAsync(LedgerTestData.Many(3), TestContext.Current.CancellationToken);
        }

        await ExecuteAsync(connectionString, "UPDATE tollgate_meta SET value = '99' WHERE key = 'ledger.schema_version'");

        await using var reopened = new PostgreSqlLedgerStore(connectionString);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => reopened.QueryAsync(new LedgerQuery(), TestContext.Current.CancellationToken).AsTask());
        Assert.Contains("schema version 99", error.Message);
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
