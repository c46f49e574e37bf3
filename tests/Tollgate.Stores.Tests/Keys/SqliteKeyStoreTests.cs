using Tollgate.Keys;
using Tollgate.Sqlite.Keys;

namespace Tollgate.Stores.Tests.Keys;

public sealed class SqliteKeyStoreTests : KeyStoreConformanceTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-keys-" + Guid.NewGuid().ToString("N"));

    protected override async Task<IKeyStore> CreateStoreAsync()
    {
        var store = SqliteKeyStore.ForFile(Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".db"));
        await store.InitializeAsync();
        await store.InitializeAsync(); // idempotent
        return store;
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
