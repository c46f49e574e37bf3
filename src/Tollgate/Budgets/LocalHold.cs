namespace Tollgate.Budgets;

/// <summary>
/// A hold on in-process counter cells. Whoever moves <see cref="State"/> away from <see cref="Active"/> owns
/// releasing the held amounts: the settle, or the expiry sweep. Amounts are one number for all lines
/// (<see cref="Uniform"/>, the common single-currency case) or one per line.
/// </summary>
internal sealed class LocalHold(BudgetCounterCell[] counters, long uniform, long[]? amounts, long expiresTicks, bool expireAsSpent)
{
    public const int Active = 0;
    public const int Expired = 1;
    public const int Settled = 2;

    public readonly BudgetCounterCell[] Counters = counters;
    public readonly long Uniform = uniform;
    public readonly long[]? Amounts = amounts;
    public readonly long ExpiresTicks = expiresTicks;
    public readonly bool ExpireAsSpent = expireAsSpent;
    public int State;

    /// <summary>Where <see cref="HoldRegistry"/> keeps it (guarded by that stripe's lock).</summary>
    public int Stripe = -1;

    public int Slot = -1;

    public long Amount(int line) => Amounts is null ? Uniform : Amounts[line];

    /// <summary>Marks it settled; returns the state it was in (<see cref="Settled"/>: someone settled it already).</summary>
    public int Finish()
    {
        var seen = Interlocked.CompareExchange(ref State, Settled, Active);
        if (seen == Active)
        {
            return Active;
        }

        return seen == Expired && Interlocked.CompareExchange(ref State, Settled, Expired) == Expired ? Expired : Settled;
    }

    /// <summary>Expires it (releasing or, for leases, spending its amounts) unless it was settled or expired already.</summary>
    public bool TryExpire()
    {
        if (Interlocked.CompareExchange(ref State, Expired, Active) != Active)
        {
            return false;
        }

        for (var i = 0; i < Counters.Length; i++)
        {
            Counters[i].Expire(Amount(i), ExpireAsSpent);
        }

        return true;
    }
}
