using Microsoft.Data.Sqlite;
using Tollgate.Ledger;
using Tollgate.Sqlite.Ledger;

namespace Tollgate.Stores.Tests.Ledger;

public sealed class SqliteLedgerStoreTests : LedgerStoreConformanceTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tollgate-ledger-" + Guid.NewGuid().ToString("N"));

    protected override ValueTask<ILedgerStore> CreateStoreAsync() =>
        ValueTask.FromResult<ILedgerStore>(new SqliteLedgerStore(Path.Combine(_directory, Guid.NewGuid().ToString("N"), "tollgate.db")));

    [Fact]
    public async Task AppendAsync_ReopenedFile_KeepsRecordsAndRollups()
    {
        var path = Path.Combine(_directory, "reopen", "tollgate.db");
        var records = LedgerTestData.Many(200);
        await using (var store = new SqliteLedgerStore(path))
        {
            await store.AppendAsync(records, TestContext.Current.CancellationToken);
        }

        await using var reopened = new SqliteLedgerStore(path);
        var again = await reopened.AppendAsync(records, TestContext.Current.CancellationToken);
        var report = await reopened.QueryAsync(new LedgerQuery(), TestContext.Current.CancellationToken);

        Assert.Equal(records.Count, again.Duplicates);
        Assert.Equal(LedgerTestData.Sum(records), report.Total);
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
        var path = Path.Combine(_directory, "v" + version, "tollgate.db");
        var records = LedgerTestData.Many(300).Select((r, i) => r with { Tags = new Dictionary<string, string> { ["team"] = $"team-{i % 3}" } }).ToList();
        await using (var store = new SqliteLedgerStore(path))
        {
            await store.AppendAsync(records, TestContext.Current.CancellationToken);
        }

        // What that version stored: text-keyed wide rollups (version 1 without the daily one).
        Execute(path, LegacyLedgerSchema.Sqlite(version));
        Assert.Equal(version.ToString(System.Globalization.CultureInfo.InvariantCulture), Scalar(path, "SELECT value FROM tollgate_meta WHERE key = 'ledger.schema_version'"));

        await using var reopened = new SqliteLedgerStore(path);
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
        Assert.Equal(LedgerTestData.Sum(records.Concat(more).Where(r => r.User == records[0].User)), all.Total);
        Assert.Equal("12", Scalar(path, "SELECT value FROM tollgate_meta WHERE key = 'ledger.schema_version'"));
        Assert.Null(Scalar(path, "SELECT name FROM sqlite_temp_master WHERE name LIKE 'old_%'"));
    }

    [Fact]
    public async Task QueryAsync_Version8Ledger_TagRollupsRefilledWithDimensionsEqualTheRecords()
    {
        var path = Path.Combine(_directory, "v8-tags", "tollgate.db");
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        await using (var store = new SqliteLedgerStore(path))
        {
            await store.AppendAsync(TagLedger(kolkata, seed: 8), TestContext.Current.CancellationToken);
        }

        Execute(path, LegacyLedgerSchema.Sqlite(8));

        await using var reopened = new SqliteLedgerStore(path);
        foreach (var filter in TagFilters("v8"))
        {
            await AssertTagReportsEqualRecordsAsync(reopened, filter, kolkata, TestContext.Current.CancellationToken);
        }

        Assert.Equal("12", Scalar(path, "SELECT value FROM tollgate_meta WHERE key = 'ledger.schema_version'"));
    }

    [Fact]
    public async Task QueryAsync_Version3LedgerWithPurgedRecords_UpgradeKeepsEveryTotal()
    {
        var path = Path.Combine(_directory, "v3-purged", "tollgate.db");
        var records = LedgerTestData.Many(300);
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var cutoff = LedgerTestData.Start.AddDays(15).AddMinutes(7);
        await using (var store = new SqliteLedgerStore(path))
        {
            await store.AppendAsync(records, TestContext.Current.CancellationToken);
            Assert.True(await store.PurgeRawBeforeAsync(cutoff, TestContext.Current.CancellationToken) > 0);
        }

        Execute(path, LegacyLedgerSchema.Sqlite(3));

        await using var reopened = new SqliteLedgerStore(path);
        var total = await reopened.QueryAsync(new LedgerQuery(), TestContext.Current.CancellationToken);
        var days = await reopened.QueryAsync(new LedgerQuery { TimeZone = kolkata, Bucket = TimeBucket.Day, GroupBy = LedgerDimension.User }, TestContext.Current.CancellationToken);
        var recent = await reopened.QueryAsync(new LedgerQuery { Filter = new LedgerFilter { From = cutoff }, TimeZone = kolkata, Bucket = TimeBucket.Hour }, TestContext.Current.CancellationToken);

        // Purged records survive in the rollups (their remainder sits in the first quarter of their hour).
        Assert.Equal(LedgerTestData.Sum(records), total.Total);
        Assert.Equal(LedgerTestData.Sum(records), days.Groups.Aggregate(default(LedgerMetrics), (a, g) => a + g.Metrics));
        // Records still held are bucketed exactly: every Kolkata hour after the cutoff equals the sum of its records.
        var expected = records.Where(r => r.Timestamp >= cutoff)
            .GroupBy(r => TimeZoneInfo.ConvertTime(r.Timestamp, kolkata).ToString("yyyy-MM-dd'T'HH", System.Globalization.CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => LedgerTestData.Sum(g)).ToList();
        Assert.Equal(expected, recent.Groups.Select(g => g.Metrics).ToList());
    }

    [Fact]
    public async Task QueryAsync_LedgerFromNewerSchema_FailsWithUpgradeMessage()
    {
        var path = Path.Combine(_directory, "newer", "tollgate.db");
        await using (var store = new SqliteLedgerStore(path))
        {
            await store.AppendAsync(LedgerTestData.Many(3), TestContext.Current.CancellationToken);
        }

        Execute(path, "UPDATE tollgate_meta SET value = '99' WHERE key = 'ledger.schema_version'");

        await using var reopened = new SqliteLedgerStore(path);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => reopened.QueryAsync(new LedgerQuery(), TestContext.Current.CancellationToken).AsTask());
        Assert.Contains("schema version 99", error.Message);
        Assert.Contains("Upgrade Tollgate", error.Message);
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string? Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string;
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
