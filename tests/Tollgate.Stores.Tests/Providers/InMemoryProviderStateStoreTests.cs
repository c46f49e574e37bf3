using Tollgate.Routing;

namespace Tollgate.Stores.Tests.Providers;

public sealed class InMemoryProviderStateStoreTests : ProviderStateStoreConformanceTests
{
    protected override Task<(IProviderStateStore First, IProviderStateStore Second)> CreateStoresAsync()
    {
        var store = new InMemoryProviderStateStore();
        return Task.FromResult<(IProviderStateStore, IProviderStateStore)>((store, store));
    }
}
