namespace Tollgate.Budgets;

/// <summary>
/// The live holds the gate took directly on counter cells, so the expiry sweep can find the unsettled ones.
/// Striped by thread so adds and removes rarely contend; slots are reused through a free list (no
/// allocation per hold once warm).
/// </summary>
internal sealed class HoldRegistry
{
    private readonly Stripe[] _stripes;

    public HoldRegistry()
    {
        var count = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, Environment.ProcessorCount * 4));
        _stripes = new Stripe[count];
        for (var i = 0; i < count; i++)
        {
            _stripes[i] = new Stripe();
        }
    }

    public void Add(LocalHold hold)
    {
        var index = Environment.CurrentManagedThreadId & (_stripes.Length - 1);
        var stripe = _stripes[index];
        lock (stripe.Gate)
        {
            int slot;
            if (stripe.FreeCount > 0)
            {
                slot = stripe.Free[--stripe.FreeCount];
            }
            else
            {
                if (stripe.Count == stripe.Items.Length)
                {
                    Array.Resize(ref stripe.Items, stripe.Items.Length * 2);
                    Array.Resize(ref stripe.Free, stripe.Items.Length);
                }

                slot = stripe.Count++;
            }

            stripe.Items[slot] = hold;
            hold.Stripe = index;
            hold.Slot = slot;
        }
    }

    public void Remove(LocalHold hold)
    {
        var stripe = _stripes[hold.Stripe];
        lock (stripe.Gate)
        {
            if (hold.Slot >= 0 && ReferenceEquals(stripe.Items[hold.Slot], hold))
            {
                stripe.Release(hold.Slot);
            }

            hold.Slot = -1;
        }
    }

    /// <summary>Expires and forgets every hold whose expiry passed; <paramref name="next"/> = the earliest expiry left.</summary>
    public int Sweep(long nowTicks, out long next)
    {
        var reclaimed = 0;
        next = long.MaxValue;
        foreach (var stripe in _stripes)
        {
            lock (stripe.Gate)
            {
                for (var slot = 0; slot < stripe.Count; slot++)
                {
                    var hold = stripe.Items[slot];
                    if (hold is null)
                    {
                        continue;
                    }

                    if (hold.ExpiresTicks > nowTicks)
                    {
                        next = Math.Min(next, hold.ExpiresTicks);
                        continue;
                    }

                    if (hold.TryExpire())
                    {
                        reclaimed++;
                    }

                    stripe.Release(slot);
                    hold.Slot = -1;
                }
            }
        }

        return reclaimed;
    }

    /// <summary>Live holds (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            var count = 0;
            foreach (var stripe in _stripes)
            {
                lock (stripe.Gate)
                {
                    count += stripe.Count - stripe.FreeCount;
                }
            }

            return count;
        }
    }

    private sealed class Stripe
    {
        public readonly Lock Gate = new();
        public LocalHold?[] Items = new LocalHold?[16];
        public int[] Free = new int[16];
        public int Count;
        public int FreeCount;

        public void Release(int slot)
        {
            Items[slot] = null;
            Free[FreeCount++] = slot;
        }
    }
}
