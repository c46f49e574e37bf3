namespace Tollgate.Budgets;

/// <summary>
/// The result of <see cref="IBudgetStore.TryHoldAsync"/>: held on every line, or refused on line
/// <see cref="FailedLine"/> whose counter had <see cref="SpentNanos"/> spent and <see cref="HeldNanos"/> held
/// (rolling: summed over its buckets) at that moment. <see cref="OverLimitLines"/> has bit i set when
/// non-enforced line i (i &lt; 64) went over its limit with this hold.
/// </summary>
public readonly record struct HoldOutcome(bool Held, int FailedLine, long SpentNanos, long HeldNanos, ulong OverLimitLines = 0)
{
    public static HoldOutcome Success(ulong overLimitLines = 0) => new(true, -1, 0, 0, overLimitLines);

    public static HoldOutcome Refused(int line, long spent, long held) => new(false, line, spent, held);
}
