using Microsoft.Extensions.Time.Testing;
using Tollgate.Keys;

namespace Tollgate.Stores.Tests.Keys;

public sealed class InMemoryDashboardSessionStoreTests : DashboardSessionStoreConformanceTests
{
    protected override Task<(IDashboardSessionStore First, IDashboardSessionStore Second)> CreateStoresAsync(TimeProvider time)
    {
        var store = new InMemoryDashboardSessionStore(time);
        return Task.FromResult<(IDashboardSessionStore, IDashboardSessionStore)>((store, store));
    }

    [Fact]
    public async Task SaveAsync_Full_EvictsExpiredFirstThenOldest()
    {
        var time = new FakeTimeProvider(T0);
        var store = new InMemoryDashboardSessionStore(time, maxSessions: 3);
        var expired = NewSession(lifetime: TimeSpan.FromMinutes(1));
        var oldest = NewSession(lifetime: TimeSpan.FromHours(1));
        var middle = NewSession(lifetime: TimeSpan.FromHours(2));
        foreach (var session in new[] { expired, oldest, middle })
        {
            await store.SaveAsync(session, Ct);
        }

        time.Advance(TimeSpan.FromMinutes(1));
        var newer = NewSession(lifetime: TimeSpan.FromHours(3));
        await store.SaveAsync(newer, Ct);
        var newest = NewSession(lifetime: TimeSpan.FromHours(4));
        await store.SaveAsync(newest, Ct);

        // The expired one went first, then (still full of live sessions) the one ending soonest.
        Assert.False(await store.DeleteAsync(expired.TokenHash, Ct));
        Assert.Null(await store.FindAsync(oldest.TokenHash, Ct));
        Assert.Equal(middle, await store.FindAsync(middle.TokenHash, Ct));
        Assert.Equal(newer, await store.FindAsync(newer.TokenHash, Ct));
        Assert.Equal(newest, await store.FindAsync(newest.TokenHash, Ct));
    }

    [Fact]
    public async Task SaveAsync_FullButSameTokenHash_ReplacesWithoutEvicting()
    {
        var time = new FakeTimeProvider(T0);
        var store = new InMemoryDashboardSessionStore(time, maxSessions: 2);
        var first = NewSession();
        var second = NewSession();
        await store.SaveAsync(first, Ct);
        await store.SaveAsync(second, Ct);

        await store.SaveAsync(second with { ExpiresAt = T0.AddHours(1) }, Ct);

        Assert.Equal(first, await store.FindAsync(first.TokenHash, Ct));
        Assert.Equal(T0.AddHours(1), (await store.FindAsync(second.TokenHash, Ct))!.ExpiresAt);
    }
}
