namespace Tollgate.Budgets;

/// <summary>How a <see cref="BudgetDecision"/> came about.</summary>
public enum BudgetStrategy
{
    /// <summary>Fits every budget as asked.</summary>
    Allowed,

    /// <summary>Allowed after changing the request (see <see cref="BudgetDecision.Adaptation"/>).</summary>
    Adapted,

    /// <summary>Allowed although a soft or warn budget is exceeded (see <see cref="BudgetDecision.Warnings"/>).</summary>
    AllowedOverSoftLimit,

    /// <summary>Allowed in emergency mode (cheapest model, throttled rate).</summary>
    Emergency,

    /// <summary>Refused: it does not fit a hard (or adaptive, after every adaptation) budget.</summary>
    Refused,

    /// <summary>Refused: above a budget's per-request limit.</summary>
    RefusedPerRequestLimit,

    /// <summary>Refused: no price covers the model, so an enforced budget that applies could not bound what the call costs.</summary>
    RefusedUnpriced,

    /// <summary>Refused: emergency mode throttles the request rate; see <see cref="BudgetDecision.RetryAfter"/>.</summary>
    RefusedEmergencyThrottle,
}
