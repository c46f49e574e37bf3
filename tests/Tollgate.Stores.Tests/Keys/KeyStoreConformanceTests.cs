using Tollgate.Keys;

namespace Tollgate.Stores.Tests.Keys;

/// <summary>The behaviour every <see cref="IKeyStore"/> must have; one derived class per store.</summary>
public abstract class KeyStoreConformanceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<IKeyStore> CreateStoreAsync();

    private static VirtualKey NewKey(string tenant, string? project = "p1", int minute = 0, bool admin = false) => new()
    {
        Id = VirtualKeys.NewId(),
        Tenant = tenant,
        Project = project,
        User = "u-" + tenant,
        Name = "key for " + tenant,
        IsAdmin = admin,
        RequestsPerMinute = 60,
        TokensPerMinute = null,
        CreatedAt = T0.AddMinutes(minute),
    };

    [Fact]
    public async Task CreateAsync_ThenFindByHash_ReturnsSameRecord()
    {
        var store = await CreateStoreAsync();
        var key = NewKey("acme");
        var plaintext = VirtualKeys.NewKey();

        Assert.True(await store.CreateAsync(key, KeyHash.Of(plaintext), cancellationToken: Ct));
        var found = await store.FindByHashAsync(KeyHash.Of(plaintext), cancellationToken: Ct);

        Assert.Equal(key, found);
    }

    [Fact]
    public async Task FindByHashAsync_UnknownKey_ReturnsNull()
    {
        var store = await CreateStoreAsync();
        await store.CreateAsync(NewKey("acme"), KeyHash.Of(VirtualKeys.NewKey()), cancellationToken: Ct);

        Assert.Null(await store.FindByHashAsync(KeyHash.Of(VirtualKeys.NewKey()), cancellationToken: Ct));
    }

    [Fact]
    public async Task CreateAsync_DuplicateIdOrHash_ReturnsFalseAndKeepsFirst()
    {
        var store = await CreateStoreAsync();
        var key = NewKey("acme");
        var hash = KeyHash.Of(VirtualKeys.NewKey());
        Assert.True(await store.CreateAsync(key, hash, cancellationToken: Ct));

        Assert.False(await store.CreateAsync(key with { Tenant = "other" }, KeyHash.Of(VirtualKeys.NewKey()), cancellationToken: Ct));
        Assert.False(await store.CreateAsync(NewKey("other"), hash, cancellationToken: Ct));

        Assert.Equal("acme", (await store.GetAsync(key.Id, cancellationToken: Ct))!.Tenant);
        Assert.Single(await store.ListAsync(cancellationToken: Ct));
    }

    [Fact]
    public async Task RevokeAsync_KnownKey_MarksRevokedOnceAndFindStillReturnsIt()
    {
        var store = await CreateStoreAsync();
        var key = NewKey("acme");
        var hash = KeyHash.Of(VirtualKeys.NewKey());
        await store.CreateAsync(key, hash, cancellationToken: Ct);

        Assert.True(await store.RevokeAsync(key.Id, T0.AddHours(1), cancellationToken: Ct));
        Assert.True(await store.RevokeAsync(key.Id, T0.AddHours(2), cancellationToken: Ct));

        var found = await store.FindByHashAsync(hash, cancellationToken: Ct);
        Assert.NotNull(found);
        Assert.True(found.IsRevoked);
        Assert.Equal(T0.AddHours(1), found.RevokedAt);
    }

    [Fact]
    public async Task GetRevocationStampAsync_MovesOnEachRevocationOnly()
    {
        var store = await CreateStoreAsync();
        var first = NewKey("acme");
        var second = NewKey("acme", minute: 1);
        await store.CreateAsync(first, KeyHash.Of(VirtualKeys.NewKey()), cancellationToken: Ct);
        var none = await store.GetRevocationStampAsync(Ct);
        await store.CreateAsync(second, KeyHash.Of(VirtualKeys.NewKey()), cancellationToken: Ct);
        var afterCreate = await store.GetRevocationStampAsync(Ct);

        await store.RevokeAsync(first.Id, T0.AddHours(1), cancellationToken: Ct);
        var one = await store.GetRevocationStampAsync(Ct);
        await store.RevokeAsync(first.Id, T0.AddHours(2), cancellationToken: Ct);
        var again = await store.GetRevocationStampAsync(Ct);
        await store.RevokeAsync(second.Id, T0.AddHours(1), cancellationToken: Ct);
        var two = await store.GetRevocationStampAsync(Ct);

        Assert.Equal(new KeyRevocationStamp(0, 0), none);
        Assert.Equal(none, afterCreate);
        Assert.Equal(new KeyRevocationStamp(1, T0.AddHours(1).ToUnixTimeMilliseconds()), one);
        Assert.Equal(one, again);
        Assert.Equal(new KeyRevocationStamp(2, T0.AddHours(1).ToUnixTimeMilliseconds()), two);
    }

    [Fact]
    public async Task RevokeAsync_UnknownId_ReturnsFalse()
    {
        var store = await CreateStoreAsync();

        Assert.False(await store.RevokeAsync("key_does_not_exist", T0, cancellationToken: Ct));
    }

    [Fact]
    public async Task ListAsync_ByTenant_ReturnsOnlyThatTenantsClientKeysInCreationOrder()
    {
        var store = await CreateStoreAsync();
        var second = NewKey("acme", minute: 2);
        var first = NewKey("acme", project: null, minute: 1);
        var other = NewKey("globex", minute: 0);
        var admin = NewKey("acme", minute: 3, admin: true);
        foreach (var k in new[] { second, first, other, admin })
        {
            await store.CreateAsync(k, KeyHash.Of(VirtualKeys.NewKey()), cancellationToken: Ct);
        }

        var acme = await store.ListAsync("acme", cancellationToken: Ct);
        Assert.Equal([first.Id, second.Id], acme.Select(k => k.Id));
        Assert.Null(acme[0].Project);

        var all = await store.ListAsync(includeAdmin: true, cancellationToken: Ct);
        Assert.Equal([other.Id, first.Id, second.Id, admin.Id], all.Select(k => k.Id));
        Assert.True(all[3].IsAdmin);
    }
}
