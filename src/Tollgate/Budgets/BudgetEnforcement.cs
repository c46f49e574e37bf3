namespace Tollgate.Budgets;

/// <summary>What happens when a request does not fit a budget.</summary>
public enum BudgetEnforcement
{
    /// <summary>Never refuses; only logs and alerts.</summary>
    Warn,

    /// <summary>Never refuses; the decision carries a warning and an alert fires.</summary>
    Soft,

    /// <summary>Refuses a request whose worst case does not fit. Never overshot.</summary>
    Hard,

    /// <summary>Changes the request (max_tokens, fallback model, tools, temperature) until it fits, else refuses. Never overshot.</summary>
    Adaptive,
}
