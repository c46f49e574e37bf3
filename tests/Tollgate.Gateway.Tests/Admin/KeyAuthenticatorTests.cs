using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Gateway.Auth;
using Tollgate.Keys;

namespace Tollgate.Gateway.Tests.Admin;

public sealed class KeyAuthenticatorTests
{
    private const string Secret = "tg-test-0123456789abcdef0123456789abcdef";
    private const string AdminSecret = "tg-admin-configured-secret";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AuthenticateAsync_SameKeyTwice_StoreAskedOnce()
    {
        var (authenticator, store, _) = await CreateAsync();

        var first = await authenticator.AuthenticateAsync(Request(Secret), Ct);
        var second = await authenticator.AuthenticateAsync(Request(Secret), Ct);

        Assert.Equal("k1", first.Key?.Id);
        Assert.Equal("k1", second.Key?.Id);
        Assert.Equal(1, store.Lookups);
    }

    [Fact]
    public async Task AuthenticateAsync_KeyDifferingInLastCharacterAfterAHit_IsNotTheCachedKey()
    {
        var (authenticator, store, _) = await CreateAsync();
        await authenticator.AuthenticateAsync(Request(Secret), Ct);

        var near = await authenticator.AuthenticateAsync(Request(Secret[..^1] + "0"), Ct);
        var prefix = await authenticator.AuthenticateAsync(Request(Secret[..^1]), Ct);

        Assert.Null(near.Key);
        Assert.Contains("no such Tollgate key", near.Error);
        Assert.Null(prefix.Key);
        Assert.Equal(3, store.Lookups);
    }

    [Fact]
    public async Task AuthenticateAsync_AfterCacheLifetime_AsksTheStoreAgain()
    {
        var (authenticator, store, time) = await CreateAsync();
        await authenticator.AuthenticateAsync(Request(Secret), Ct);

        time.Advance(TimeSpan.FromSeconds(61));
        var again = await authenticator.AuthenticateAsync(Request(Secret), Ct);

        Assert.Equal("k1", again.Key?.Id);
        Assert.Equal(2, store.Lookups);
    }

    [Fact]
    public async Task AuthenticateAsync_CachedKeyRevokedAndEvicted_IsRefused()
    {
        var (authenticator, store, time) = await CreateAsync();
        await authenticator.AuthenticateAsync(Request(Secret), Ct);

        await store.RevokeAsync("k1", time.GetUtcNow(), Ct);
        authenticator.Evict("k1");
        var after = await authenticator.AuthenticateAsync(Request(Secret), Ct);

        Assert.Null(after.Key);
        Assert.Contains("revoked", after.Error);
    }

    [Fact]
    public async Task AuthenticateAsync_ConfiguredAdminKeyTwice_AdminWithoutStoreLookup()
    {
        var (authenticator, store, _) = await CreateAsync();

        var first = await authenticator.AuthenticateAsync(Request(AdminSecret), Ct);
        var second = await authenticator.AuthenticateAsync(Request(AdminSecret), Ct);

        Assert.True(first.Key?.IsAdmin);
        Assert.True(second.Key?.IsAdmin);
        Assert.Equal(0, store.Lookups);
    }

    private static async Task<(KeyAuthenticator Authenticator, CountingKeyStore Store, FakeTimeProvider Time)> CreateAsync()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        var store = new CountingKeyStore();
        await store.CreateAsync(new VirtualKey { Id = "k1", Tenant = "acme", Name = "test", CreatedAt = time.GetUtcNow() }, KeyHash.Of(Secret), Ct);
        var admins = new HashSet<KeyHash> { KeyHash.Of(AdminSecret) };
        return (new KeyAuthenticator(store, time, TimeSpan.FromSeconds(60), admins), store, time);
    }

    private static HttpRequest Request(string key)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer " + key;
        return context.Request;
    }

    /// <summary>The in-memory store, counting how often the authenticator asks it for a hash.</summary>
    private sealed class CountingKeyStore : IKeyStore
    {
        private readonly InMemoryKeyStore _inner = new();

        public int Lookups { get; private set; }

        public Task InitializeAsync(CancellationToken cancellationToken = default) => _inner.InitializeAsync(cancellationToken);

        public Task<bool> CreateAsync(VirtualKey key, KeyHash hash, CancellationToken cancellationToken = default) => _inner.CreateAsync(key, hash, cancellationToken);

        public ValueTask<VirtualKey?> FindByHashAsync(KeyHash hash, CancellationToken cancellationToken = default)
        {
            Lookups++;
            return _inner.FindByHashAsync(hash, cancellationToken);
        }

        public Task<VirtualKey?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

        public Task<IReadOnlyList<VirtualKey>> ListAsync(string? tenant = null, bool includeAdmin = false, CancellationToken cancellationToken = default) =>
            _inner.ListAsync(tenant, includeAdmin, cancellationToken);

        public Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) => _inner.RevokeAsync(id, at, cancellationToken);
    }
}
