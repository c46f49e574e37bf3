using Tollgate.Ledger;

namespace Tollgate.Stores.Tests.Ledger;

public sealed class InMemoryLedgerStoreTests : LedgerStoreConformanceTests
{
    protected override ValueTask<ILedgerStore> CreateStoreAsync() => ValueTask.FromResult<ILedgerStore>(new InMemoryLedgerStore());
}
