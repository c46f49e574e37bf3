namespace Tollgate.Budgets;

/// <summary>
/// One in-process budget counter: <see cref="Used"/> = committed spend + live holds, <see cref="Spent"/> =
/// committed spend (held = Used − Spent). Admission is one compare-and-swap on <see cref="Used"/>, so no
/// lock is taken and spent + held never passes the limit for an enforced line.
/// </summary>
internal sealed class BudgetCounterCell
{
    public long Used;
    public long Spent;

    /// <summary>
    /// Adds <paramref name="amount"/> to the holds if the counter stays within <paramref name="limit"/> (always,
    /// when not <paramref name="enforced"/>). <paramref name="used"/> is spent + held after a take, before a refusal.
    /// </summary>
    public bool TryTake(long amount, long limit, bool enforced, out bool over, out long used)
    {
        if (!enforced)
        {
            used = Interlocked.Add(ref Used, amount);
            over = used > limit;
            return true;
        }

        var current = Volatile.Read(ref Used);
        while (true)
        {
            if (current + amount > limit)
            {
                over = true;
                used = current;
                return false;
            }

            var seen = Interlocked.CompareExchange(ref Used, current + amount, current);
            if (seen == current)
            {
                over = false;
                used = current + amount;
                return true;
            }

            current = seen;
        }
    }

    /// <summary>Releases <paramref name="heldAmount"/> of holds and commits <paramref name="actual"/> as spent.</summary>
    public void Commit(long heldAmount, long actual)
    {
        Interlocked.Add(ref Spent, actual);
        Interlocked.Add(ref Used, actual - heldAmount);
    }

    /// <summary>An expired hold: released, or (leases) counted as spent.</summary>
    public void Expire(long amount, bool asSpent)
    {
        if (asSpent)
        {
            Interlocked.Add(ref Spent, amount);
        }
        else
        {
            Interlocked.Add(ref Used, -amount);
        }
    }

    /// <summary>Sets the committed spend and keeps the holds (the difference moves both numbers alike).</summary>
    public void SetSpent(long spent)
    {
        var old = Interlocked.Exchange(ref Spent, spent);
        Interlocked.Add(ref Used, spent - old);
    }

    public BudgetCounter Read()
    {
        var spent = Volatile.Read(ref Spent);
        var used = Volatile.Read(ref Used);

        // Between the two writes of a settle the pair can be read half-updated; never show negative holds.
        return new BudgetCounter(spent, Math.Max(0, used - spent));
    }

    /// <summary>Gives back the holds of lines [0, count) after a later line refused.</summary>
    public static void GiveBack(BudgetCounterCell[] counters, IReadOnlyList<HoldLine> lines, int count)
    {
        for (var j = 0; j < count; j++)
        {
            Interlocked.Add(ref counters[j].Used, -lines[j].AmountNanos);
        }
    }
}
