namespace Tollgate.Anomalies;

/// <summary>The last N values of a stream kept sorted, so the rank (tail probability) of a new value costs a binary search.</summary>
internal sealed class SortedWindow(int capacity)
{
    private readonly Queue<double> _order = new(capacity);
    private readonly List<double> _sorted = new(capacity);

    public int Count => _sorted.Count;

    public void Add(double value)
    {
        if (_order.Count == capacity)
        {
            var oldest = _order.Dequeue();
            _sorted.RemoveAt(LowerBound(oldest));
        }

        _order.Enqueue(value);
        _sorted.Insert(UpperBound(value), value);
    }

    /// <summary>The smoothed upper-tail probability of <paramref name="value"/>: (values above + half the ties + 1) / (N + 1).</summary>
    public double UpperTail(double value)
    {
        var below = LowerBound(value);
        var notAbove = UpperBound(value);
        var above = Count - notAbove;
        return (above + (0.5 * (notAbove - below)) + 1) / (Count + 1.0);
    }

    /// <summary>The smoothed two-sided tail probability of <paramref name="value"/> (twice the smaller tail, at most 1).</summary>
    public double TwoSidedTail(double value)
    {
        var below = LowerBound(value);
        var notAbove = UpperBound(value);
        var ties = 0.5 * (notAbove - below);
        var smaller = Math.Min(below + ties, Count - notAbove + ties);
        return Math.Min(1.0, 2 * (smaller + 1) / (Count + 1.0));
    }

    /// <summary>The value at quantile <paramref name="q"/> (nearest rank); NaN when empty.</summary>
    public double Quantile(double q) => Count == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Round(q * (Count - 1)), 0, Count - 1)];

    private int LowerBound(double value)
    {
        int lo = 0, hi = _sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private int UpperBound(double value)
    {
        int lo = 0, hi = _sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
