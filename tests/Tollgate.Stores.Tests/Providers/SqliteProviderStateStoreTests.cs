using Tollgate.Routing;
using Tollgate.Sqlite.Providers;

namespace Tollgate.Stores.Tests.Providers;

public sealed class SqliteProviderStateStoreTests : ProviderStateStoreConformanceTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-providers-" + Guid.NewGuid().ToString("N"));

    protected override async Task<(IProviderStateStore First, IProviderStateStore Second)> CreateStoresAsync()
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".db");
        var first = SqliteProviderStateStore.ForFile(path);
        await first.InitializeAsync();
        var second = SqliteProviderStateStore.ForFile(path);
        await second.InitializeAsync(); // idempotent
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
