using Microsoft.Extensions.Time.Testing;
using Tollgate.Budgets;
using Tollgate.RateLimits;
using Tollgate.Redis.RateLimits;

namespace Tollgate.Stores.Tests.RateLimits;

/// <summary>The same rate-limit behaviour in process and through Redis.</summary>
public abstract class RateLimiterConformanceTests
{
    // 10 s into a minute.
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 22, 10, 0, 10, TimeSpan.Zero));

    /// <summary>Two limiters that share state (two instances of a deployment).</summary>
    protected abstract (IRateLimiter A, IRateLimiter B) Create(params RateLimitRule[] rules);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly BudgetSubject Alice = new() { Tenant = "acme", User = "alice", KeyId = "k1" };

    [Fact]
    public async Task TryAcquire_RequestsPerMinuteAcrossInstances_FourthRefusedWithRetryAfterThatWorks()
    {
        var (a, b) = Create(new RateLimitRule(RateLimitDimension.Key, RequestsPerMinute: 3));
        Assert.True((await a.TryAcquireAsync(Alice, 0, Ct)).Allowed);
        Assert.True((await b.TryAcquireAsync(Alice, 0, Ct)).Allowed);
        Assert.True((await a.TryAcquireAsync(Alice, 0, Ct)).Allowed);
        var refused = await b.TryAcquireAsync(Alice, 0, Ct);
        Assert.False(refused.Allowed);
        Assert.Equal("requests", refused.Metric);
        Assert.Equal(RateLimitDimension.Key, refused.Rule!.Dimension);

        // 3 in this minute: next minute they weigh 3×(1−f); one more fits once f ≥ 1/3 → 50 s + 20 s from now.
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(69.9), TimeSpan.FromSeconds(70.1));
        Time.Advance(refused.RetryAfter - TimeSpan.FromSeconds(1));
        Assert.False((await a.TryAcquireAsync(Alice, 0, Ct)).Allowed);
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await a.TryAcquireAsync(Alice, 0, Ct)).Allowed);
    }

    [Fact]
    public async Task TryAcquire_TokensPerMinute_CountsTokensAndRefusesOversized()
    {
        var (a, _) = Create(new RateLimitRule(RateLimitDimension.User, TokensPerMinute: 1000));
        Assert.True((await a.TryAcquireAsync(Alice, 700, Ct)).Allowed);
        var refused = await a.TryAcquireAsync(Alice, 400, Ct);
        Assert.False(refused.Allowed);
        Assert.Equal("tokens", refused.Metric);
        Assert.True((await a.TryAcquireAsync(Alice, 300, Ct)).Allowed);
        var huge = await a.TryAcquireAsync(Alice with { User = "bob" }, 1001, Ct);
        Assert.False(huge.Allowed);
        Assert.Contains("alone needs 1001", huge.Reason);
        Assert.True((await a.TryAcquireAsync(Alice with { User = "bob" }, 1000, Ct)).Allowed);
    }

    [Fact]
    public async Task TryAcquire_TenantRuleRefuses_UserCounterNotTaken()
    {
        var (a, _) = Create(new RateLimitRule(RateLimitDimension.User, RequestsPerMinute: 2), new RateLimitRule(RateLimitDimension.Tenant, RequestsPerMinute: 1));
        Assert.True((await a.TryAcquireAsync(Alice, 0, Ct)).Allowed);
        var refused = await a.TryAcquireAsync(Alice with { Tenant = "acme" }, 0, Ct);
        Assert.Equal(RateLimitDimension.Tenant, refused.Rule!.Dimension);
        // alice's user counter still has room for one (the refused request took nothing).
        Assert.True((await a.TryAcquireAsync(Alice with { Tenant = "globex" }, 0, Ct)).Allowed);
    }
}

public sealed class InMemoryRateLimiterTests : RateLimiterConformanceTests
{
    protected override (IRateLimiter A, IRateLimiter B) Create(params RateLimitRule[] rules)
    {
        var limiter = new InMemoryRateLimiter(rules, Time);
        return (limiter, limiter);
    }
}

public sealed class RedisRateLimiterTests : RateLimiterConformanceTests
{
    protected override (IRateLimiter A, IRateLimiter B) Create(params RateLimitRule[] rules)
    {
        var prefix = TestServices.NewName("tgrl-");
        return (new RedisRateLimiter(TestServices.Redis, rules, prefix, Time), new RedisRateLimiter(TestServices.Redis, rules, prefix, Time));
    }
}
