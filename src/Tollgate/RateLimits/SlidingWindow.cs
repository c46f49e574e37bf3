namespace Tollgate.RateLimits;

/// <summary>The sliding-window-counter arithmetic shared by the in-process and Redis limiters.</summary>
public static class SlidingWindow
{
    public const long MinuteMs = 60_000;

    /// <summary>Estimated count in the last minute: the previous minute weighted by how much of it still overlaps.</summary>
    public static double Estimate(long previous, long current, double elapsedFraction) => (previous * (1 - elapsedFraction)) + current;

    /// <summary>How long until <paramref name="cost"/> fits, assuming no other traffic; null if it never fits (cost above the limit).</summary>
    public static TimeSpan? RetryAfter(long previous, long current, long cost, long limit, long nowMs)
    {
        if (cost > limit)
        {
            return null;
        }

        var elapsed = nowMs % MinuteMs;
        var f = elapsed / (double)MinuteMs;
        double wait;
        if (current + cost <= limit)
        {
            // Fits in this minute once enough of the previous minute has slid out.
            var needed = previous == 0 ? f : 1 - ((limit - current - cost) / (double)previous);
            wait = Math.Max(0, needed - f) * MinuteMs;
        }
        else
        {
            // Next minute: this minute becomes "previous".
            var needed = current == 0 ? 0 : 1 - ((limit - cost) / (double)current);
            wait = (MinuteMs - elapsed) + (Math.Max(0, needed) * MinuteMs);
        }

        return TimeSpan.FromMilliseconds(Math.Ceiling(wait) + 1);
    }

    public static string? IdFor(RateLimitRule rule, Budgets.BudgetSubject subject) => rule.Dimension switch
    {
        RateLimitDimension.Key => subject.KeyId,
        RateLimitDimension.User => subject.User,
        _ => subject.Tenant,
    };

    /// <summary>A refusal naming the rule and metric, with Retry-After.</summary>
    public static RateLimitDecision Refusal(RateLimitRule rule, string metric, long prev, long cur, long cost, long limit, long nowMs)
    {
        var retry = RetryAfter(prev, cur, cost, limit, nowMs);
        return new RateLimitDecision
        {
            Allowed = false,
            Rule = rule,
            Metric = metric,
            RetryAfter = retry ?? TimeSpan.Zero,
            Reason = retry is null
                ? $"{rule.Dimension.ToString().ToLowerInvariant()} {metric}-per-minute limit is {limit}; this request alone needs {cost}"
                : $"{rule.Dimension.ToString().ToLowerInvariant()} {metric}-per-minute limit {limit} reached; retry after {Math.Ceiling(retry.Value.TotalSeconds)}s",
        };
    }
}
