using Tollgate.Keys;
using Tollgate.Sqlite.Keys;

namespace Tollgate.Stores.Tests.Keys;

/// <summary>Runs the dashboard session conformance suite on an SQLite file that also holds the keys, through two handles.</summary>
public sealed class SqliteDashboardSessionStoreTests : DashboardSessionStoreConformanceTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-sessions-" + Guid.NewGuid().ToString("N"));

    protected override async Task<(IDashboardSessionStore First, IDashboardSessionStore Second)> CreateStoresAsync(TimeProvider time)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".db");
        await SqliteKeyStore.ForFile(path).InitializeAsync();
        var first = SqliteDashboardSessionStore.ForFile(path, time);
        await first.InitializeAsync();
        await first.InitializeAsync(); // idempotent
        var second = SqliteDashboardSessionStore.ForFile(path, time);
        await second.InitializeAsync();
        return (first, second);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
