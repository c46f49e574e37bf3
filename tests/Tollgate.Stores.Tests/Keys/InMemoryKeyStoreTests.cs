using Tollgate.Keys;

namespace Tollgate.Stores.Tests.Keys;

public sealed class InMemoryKeyStoreTests : KeyStoreConformanceTests
{
    protected override Task<IKeyStore> CreateStoreAsync() => Task.FromResult<IKeyStore>(new InMemoryKeyStore());
}
