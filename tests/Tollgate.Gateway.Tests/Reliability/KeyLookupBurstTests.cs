using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Gateway.Auth;
using Tollgate.Keys;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>A burst of requests with one uncached key asks the key store once (single-flight), and a client that leaves does not cancel the others' lookup.</summary>
public sealed class KeyLookupBurstTests
{
    private const string Secret = "tg-test-burst-0123456789abcdef0123456789";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AuthenticateAsync_HundredConcurrentRequestsWithAnUncachedKey_StoreAskedOnce()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero));
        var store = new GatedKeyStore();
        await store.CreateAsync(new VirtualKey { Id = "k1", Tenant = "acme", Name = "burst", CreatedAt = time.GetUtcNow() }, KeyHash.Of(Secret), Ct);
        var authenticator = new KeyAuthenticator(store, time, TimeSpan.FromSeconds(30), new HashSet<KeyHash>());

        using var leaving = new CancellationTokenSource();
        var gone = authenticator.AuthenticateAsync(Request(), leaving.Token).AsTask();
        var burst = Enumerable.Range(0, 100).Select(_ => authenticator.AuthenticateAsync(Request(), Ct).AsTask()).ToList();
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        store.Open();
        var results = await Task.WhenAll(burst);

        Assert.All(results, r => Assert.Equal("k1", r.Key?.Id));
        Assert.Equal(1, store.Lookups);
    }

    private static HttpRequest Request()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer " + Secret;
        return context.Request;
    }

    /// <summary>A key store whose lookups wait until <see cref="Open"/> (a slow database under a burst).</summary>
    private sealed class GatedKeyStore : IKeyStore
    {
        private readonly InMemoryKeyStore _inner = new();
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _lookups;

        public int Lookups => Volatile.Read(ref _lookups);

        public void Open() => _open.TrySetResult();

        public Task InitializeAsync(CancellationToken cancellationToken = default) => _inner.InitializeAsync(cancellationToken);

        public Task<bool> CreateAsync(VirtualKey key, KeyHash hash, CancellationToken cancellationToken = default) => _inner.CreateAsync(key, hash, cancellationToken);

        public async ValueTask<VirtualKey?> FindByHashAsync(KeyHash hash, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _lookups);
            await _open.Task.WaitAsync(cancellationToken);
            return await _inner.FindByHashAsync(hash, cancellationToken);
        }

        public Task<VirtualKey?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

        public Task<IReadOnlyList<VirtualKey>> ListAsync(string? tenant = null, bool includeAdmin = false, CancellationToken cancellationToken = default) => _inner.ListAsync(tenant, includeAdmin, cancellationToken);

        public Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) => _inner.RevokeAsync(id, at, cancellationToken);
    }
}
