using Tollgate.Budgets;

namespace Tollgate.RateLimits;

/// <summary>Rate limits for one process (several instances share <c>RedisRateLimiter</c> instead).</summary>
public sealed class InMemoryRateLimiter : IRateLimiter
{
    private readonly RateLimitRule[] _rules;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Counter, long Minute), long> _counts = [];
    private long _lastPruneMinute;

    public InMemoryRateLimiter(IEnumerable<RateLimitRule> rules, TimeProvider? timeProvider = null)
    {
        _rules = [.. rules];
        var errors = _rules.SelectMany(r => r.Validate()).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(rules));
        }

        _time = timeProvider ?? TimeProvider.System;
    }

    public ValueTask<RateLimitDecision> TryAcquireAsync(BudgetSubject subject, int tokens, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var minute = nowMs / SlidingWindow.MinuteMs;
        var f = (nowMs % SlidingWindow.MinuteMs) / (double)SlidingWindow.MinuteMs;
        var checks = new List<(string Counter, long Cost, long Limit, RateLimitRule Rule, string Metric)>();
        foreach (var rule in _rules)
        {
            if (SlidingWindow.IdFor(rule, subject) is not { } id)
            {
                continue;
            }

            if (rule.RequestsPerMinute is { } rpm)
            {
                checks.Add(($"{rule.Dimension}:{id}:rpm", 1, rpm, rule, "requests"));
            }

            if (rule.TokensPerMinute is { } tpm)
            {
                checks.Add(($"{rule.Dimension}:{id}:tpm", tokens, tpm, rule, "tokens"));
            }
        }

        lock (_lock)
        {
            if (minute > _lastPruneMinute)
            {
                foreach (var key in _counts.Keys.Where(k => k.Minute < minute - 1).ToList())
                {
                    _counts.Remove(key);
                }

                _lastPruneMinute = minute;
            }

            foreach (var c in checks)
            {
                var prev = _counts.GetValueOrDefault((c.Counter, minute - 1));
                var cur = _counts.GetValueOrDefault((c.Counter, minute));
                if (SlidingWindow.Estimate(prev, cur, f) + c.Cost > c.Limit)
                {
                    return ValueTask.FromResult(SlidingWindow.Refusal(c.Rule, c.Metric, prev, cur, c.Cost, c.Limit, nowMs));
                }
            }

            foreach (var c in checks)
            {
                _counts[(c.Counter, minute)] = _counts.GetValueOrDefault((c.Counter, minute)) + c.Cost;
            }
        }

        return ValueTask.FromResult(RateLimitDecision.Allow);
    }
}
