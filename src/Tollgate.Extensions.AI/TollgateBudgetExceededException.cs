using System.Globalization;
using Tollgate.Budgets;
using Tollgate.Costing;

namespace Tollgate.Extensions.AI;

/// <summary>
/// Thrown by the Tollgate chat client and embedding generator when a budget refuses a call before it is sent
/// (nothing was billed). Carries the budget's <see cref="Decision"/>: which budget, its limit, what is spent and
/// held, what the call needed and when the window resets. For <c>IChatClient</c> callers an exception is the
/// idiom; the budget gate itself returns the refusal as a result.
/// </summary>
public sealed class TollgateBudgetExceededException : Exception
{
    public TollgateBudgetExceededException(BudgetDecision decision)
        : base(Describe(decision ?? throw new ArgumentNullException(nameof(decision))))
    {
        Decision = decision;
    }

    /// <summary>The budget gate's refusal.</summary>
    public BudgetDecision Decision { get; }

    /// <summary>The budget that refused, with its numbers; null when no single budget did (e.g. an emergency throttle).</summary>
    public BudgetTrip? Trip => Decision.Trip;

    public string? BudgetId => Decision.Trip?.BudgetId;

    public string? BudgetName => Decision.Trip?.BudgetName;

    /// <summary>The window's limit (rolled-over amount included), in <see cref="Currency"/>.</summary>
    public decimal? Limit => Decision.Trip?.Limit;

    public decimal? Spent => Decision.Trip?.Spent;

    public decimal? Held => Decision.Trip?.Held;

    /// <summary>What the call would have cost at worst.</summary>
    public decimal? Needed => Decision.Trip?.Needed;

    public string? Currency => Decision.Trip?.Currency;

    /// <summary>When the budget's next window starts; null for lifetime budgets.</summary>
    public DateTimeOffset? ResetsAt => Decision.Trip?.ResetsAt;

    /// <summary>For a throttle, how long to wait before retrying.</summary>
    public TimeSpan? RetryAfter => Decision.RetryAfter;

    private static string Describe(BudgetDecision decision)
    {
        if (decision.Trip is not { } trip)
        {
            return decision.RetryAfter is { } wait
                ? $"{decision.Reason} (retry after {wait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s)"
                : decision.Reason;
        }

        var resets = trip.ResetsAt is { } at ? $", resets at {at.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}" : "";
        return $"{decision.Reason} Budget '{trip.BudgetName}': limit {Money.Format(trip.Limit)} {trip.Currency}, " +
               $"spent {Money.Format(trip.Spent)}, held {Money.Format(trip.Held)}, this call needs up to {Money.Format(trip.Needed)}{resets}.";
    }
}
