using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Keys;

namespace Tollgate.Stores.Tests.Keys;

/// <summary>The behaviour every <see cref="IDashboardSessionStore"/> must have; one derived class per store.</summary>
public abstract class DashboardSessionStoreConformanceTests
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Two handles on one store location (two gateway instances), or the same instance for in-memory; both read <paramref name="time"/>.</summary>
    protected abstract Task<(IDashboardSessionStore First, IDashboardSessionStore Second)> CreateStoresAsync(TimeProvider time);

    protected static DashboardSessionRecord NewSession(string keyId = "key_0123456789abcdef", TimeSpan? lifetime = null) => new(
        Convert.ToHexStringLower(SHA256.HashData(RandomNumberGenerator.GetBytes(32))),
        keyId,
        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
        T0 + (lifetime ?? TimeSpan.FromHours(8)));

    [Fact]
    public async Task SaveAsync_ThenFindAsyncOnAnotherHandle_ReturnsSameSession()
    {
        var time = new FakeTimeProvider(T0);
        var (first, second) = await CreateStoresAsync(time);
        var session = NewSession();

        await first.SaveAsync(session, Ct);

        Assert.Equal(session, await second.FindAsync(session.TokenHash, Ct));
        Assert.Equal(session, await first.FindAsync(session.TokenHash, Ct));
    }

    [Fact]
    public async Task FindAsync_UnknownHash_ReturnsNull()
    {
        var time = new FakeTimeProvider(T0);
        var (store, _) = await CreateStoresAsync(time);
        await store.SaveAsync(NewSession(), Ct);

        Assert.Null(await store.FindAsync(NewSession().TokenHash, Ct));
    }

    [Fact]
    public async Task FindAsync_AtExpiry_ReturnsNullButLiveUntilThen()
    {
        var time = new FakeTimeProvider(T0);
        var (store, other) = await CreateStoresAsync(time);
        var session = NewSession(lifetime: TimeSpan.FromMinutes(10));
        await store.SaveAsync(session, Ct);

        time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        var justBefore = await other.FindAsync(session.TokenHash, Ct);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var atExpiry = await other.FindAsync(session.TokenHash, Ct);
        time.Advance(TimeSpan.FromHours(1));
        var later = await store.FindAsync(session.TokenHash, Ct);

        Assert.Equal(session, justBefore);
        Assert.Null(atExpiry);
        Assert.Null(later);
    }

    [Fact]
    public async Task SaveAsync_SameTokenHash_ReplacesSession()
    {
        var time = new FakeTimeProvider(T0);
        var (first, second) = await CreateStoresAsync(time);
        var session = NewSession();
        await first.SaveAsync(session, Ct);
        var replaced = session with { KeyId = "key_fedcba9876543210", CsrfToken = new string('c', 64), ExpiresAt = T0.AddHours(1) };

        await second.SaveAsync(replaced, Ct);

        Assert.Equal(replaced, await first.FindAsync(session.TokenHash, Ct));
    }

    [Fact]
    public async Task DeleteAsync_KnownSession_EndsItForEveryHandleAndUnknownReturnsFalse()
    {
        var time = new FakeTimeProvider(T0);
        var (first, second) = await CreateStoresAsync(time);
        var ended = NewSession();
        var kept = NewSession();
        await first.SaveAsync(ended, Ct);
        await first.SaveAsync(kept, Ct);

        Assert.True(await second.DeleteAsync(ended.TokenHash, Ct));
        Assert.False(await second.DeleteAsync(ended.TokenHash, Ct));
        Assert.False(await first.DeleteAsync(NewSession().TokenHash, Ct));

        Assert.Null(await first.FindAsync(ended.TokenHash, Ct));
        Assert.Equal(kept, await first.FindAsync(kept.TokenHash, Ct));
    }

    [Fact]
    public async Task DeleteExpiredAsync_SomeExpired_RemovesOnlyThoseAndCountsThem()
    {
        var time = new FakeTimeProvider(T0);
        var (first, second) = await CreateStoresAsync(time);
        var shortLived = new[] { NewSession(lifetime: TimeSpan.FromMinutes(1)), NewSession(lifetime: TimeSpan.FromMinutes(2)) };
        var live = NewSession(lifetime: TimeSpan.FromHours(8));
        foreach (var session in shortLived.Append(live))
        {
            await first.SaveAsync(session, Ct);
        }

        Assert.Equal(0, await second.DeleteExpiredAsync(Ct));
        time.Advance(TimeSpan.FromMinutes(2));
        var removed = await second.DeleteExpiredAsync(Ct);
        var again = await first.DeleteExpiredAsync(Ct);

        Assert.Equal(2, removed);
        Assert.Equal(0, again);
        Assert.Equal(live, await first.FindAsync(live.TokenHash, Ct));
        foreach (var session in shortLived)
        {
            Assert.False(await first.DeleteAsync(session.TokenHash, Ct));
        }
    }
}
