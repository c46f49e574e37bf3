using Tollgate.Budgets;

namespace Tollgate.RateLimits;

/// <summary>Requests-per-minute and tokens-per-minute limits, checked and taken all-or-nothing across every rule.</summary>
public interface IRateLimiter
{
    /// <summary>Counts one request of <paramref name="tokens"/> (estimated) tokens against every rule that applies, or refuses.</summary>
    ValueTask<RateLimitDecision> TryAcquireAsync(BudgetSubject subject, int tokens, CancellationToken cancellationToken = default);
}
