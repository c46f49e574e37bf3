namespace Tollgate.Forecasting;

/// <summary>
/// When a budget's current window is projected to be exhausted: the 10th, 50th and 90th percentiles of the run-out time
/// (null: not before the reset), and the probability that it runs out before the reset at all.
/// </summary>
public sealed record BudgetRunOut
{
    public DateTimeOffset? P10 { get; init; }

    public DateTimeOffset? P50 { get; init; }

    public DateTimeOffset? P90 { get; init; }

    /// <summary>The probability of running out before the window resets (before the simulated horizon for lifetime budgets).</summary>
    public double ProbabilityBeforeReset { get; init; }

    /// <summary>How many hours of spend history the simulation drew from.</summary>
    public int HistoryHours { get; init; }
}
