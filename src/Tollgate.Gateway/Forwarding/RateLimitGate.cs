using System.Collections.Concurrent;
using Tollgate.Budgets;
using Tollgate.Keys;
using Tollgate.Hosting;
using Tollgate.RateLimits;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The rate limits a request passes: the configured rules (per key / user / tenant) and the key's own rpm/tpm.
/// Keys with the same own limits share one limiter (it counts per key id), so there is no limiter per key.
/// </summary>
internal sealed class RateLimitGate(TollgateStores stores, IReadOnlyList<RateLimitRule> rules, TimeProvider time)
{
    private readonly IRateLimiter? _configured = rules.Count == 0 ? null : stores.CreateRateLimiter(rules, time);
    private readonly ConcurrentDictionary<(long? Rpm, long? Tpm), IRateLimiter> _perKey = new();

    public bool Enabled(VirtualKey key) => _configured is not null || key.RequestsPerMinute is not null || key.TokensPerMinute is not null;

    public async ValueTask<RateLimitDecision> TryAcquireAsync(VirtualKey key, BudgetSubject subject, long tokens, CancellationToken cancellationToken)
    {
        var count = (int)Math.Min(int.MaxValue, tokens);
        if (key.RequestsPerMinute is not null || key.TokensPerMinute is not null)
        {
            var limiter = _perKey.GetOrAdd((key.RequestsPerMinute, key.TokensPerMinute), limits => stores.CreateRateLimiter(
                [new RateLimitRule(RateLimitDimension.Key, (int?)limits.Rpm, (int?)limits.Tpm)], time, $"tollgate:key-limits:{limits.Rpm}:{limits.Tpm}"));
            var own = await limiter.TryAcquireAsync(subject, count, cancellationToken);
            if (!own.Allowed)
            {
                return own;
            }
        }

        return _configured is null ? RateLimitDecision.Allow : await _configured.TryAcquireAsync(subject, count, cancellationToken);
    }
}
