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

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
