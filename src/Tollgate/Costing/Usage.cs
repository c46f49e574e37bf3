using System.Numerics;
using System.Runtime.CompilerServices;

namespace Tollgate.Costing;

/// <summary>
/// One usage breakdown for every provider: a count per <see cref="UsageUnit"/>, with the genai-prices
/// meaning of each unit (<c>input_tokens</c> is ALL input, cache reads and writes included; the cache
/// units are the parts of it). Each provider's fields are mapped onto it once, so nothing is billed twice.
/// A unit can be reported as zero, which differs from not reported at all.
/// </summary>
public sealed class Usage : IEquatable<Usage>
{
    // A call reports a handful of units out of 59: their counts sit in a few inline slots, in unit order (the slot
    // of a unit is how many reported units come before it), so a usage is about a hundred bytes rather than half a
    // kilobyte — it is allocated for every call and kept in every queued ledger record. A usage with more units
    // than slots moves its counts to a full array once.
    private const int InlineSlots = 8;

    private InlineCounts _inline;
    private long[]? _all;
    private ulong _reported;
    private ulong _positive;

    public Usage()
    {
    }

    /// <summary>The count of a unit; 0 when not reported.</summary>
    public long this[UsageUnit unit]
    {
        get => Get((int)unit);
        set => Set(unit, value);
    }

    /// <summary>Total input tokens, cache reads and writes included.</summary>
    public long InputTokens { get => this[UsageUnit.InputTokens]; set => Set(UsageUnit.InputTokens, value); }

    public long OutputTokens { get => this[UsageUnit.OutputTokens]; set => Set(UsageUnit.OutputTokens, value); }

    public long CacheReadTokens { get => this[UsageUnit.CacheReadTokens]; set => Set(UsageUnit.CacheReadTokens, value); }

    public long CacheWriteTokens { get => this[UsageUnit.CacheWriteTokens]; set => Set(UsageUnit.CacheWriteTokens, value); }

    /// <summary>Reasoning tokens; part of <see cref="OutputTokens"/>.</summary>
    public long ReasoningTokens { get => this[UsageUnit.OutputReasoningTokens]; set => Set(UsageUnit.OutputReasoningTokens, value); }

    public long Requests { get => this[UsageUnit.Requests]; set => Set(UsageUnit.Requests, value); }

    /// <summary>Input tokens that were neither read from nor written to a cache.</summary>
    public long UncachedInputTokens => Math.Max(0, InputTokens - CacheReadTokens - CacheWriteTokens);

    /// <summary>True when the provider reported this unit (even as zero).</summary>
    public bool IsReported(UsageUnit unit) => (_reported & (1UL << (int)unit)) != 0;

    /// <summary>The largest count of any unit (0 when none is above zero).</summary>
    public long LargestCount
    {
        get
        {
            long largest = 0;
            for (var positive = _positive; positive != 0; positive &= positive - 1)
            {
                largest = Math.Max(largest, Get(BitOperations.TrailingZeroCount(positive)));
            }

            return largest;
        }
    }

    /// <summary>True when no unit has been reported.</summary>
    public bool IsEmpty => _reported == 0;

    /// <summary>Bit i set when unit i has a count above zero (pricing reads this without scanning every unit).</summary>
    internal ulong PositiveMask => _positive;

    /// <summary>Bit i set when unit i was reported (a non-zero count is always reported).</summary>
    internal ulong ReportedMask => _reported;

    public void Set(UsageUnit unit, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Store((int)unit, count);
    }

    /// <summary>Adds to a unit (several provider fields can map onto one unit).</summary>
    public void Add(UsageUnit unit, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Store((int)unit, checked(Get((int)unit) + count));
    }

    /// <summary>Adds every reported unit of <paramref name="other"/> (e.g. summing attempts).</summary>
    public void Add(Usage other)
    {
        for (var reported = other._reported; reported != 0; reported &= reported - 1)
        {
            var i = BitOperations.TrailingZeroCount(reported);
            Add((UsageUnit)i, other.Get(i));
        }
    }

    /// <summary>The units with a non-zero count, in registry order.</summary>
    public IEnumerable<KeyValuePair<UsageUnit, long>> NonZero()
    {
        for (var i = 0; i < UsageUnitInfo.Count; i++)
        {
            var count = Get(i);
            if (count != 0)
            {
                yield return new((UsageUnit)i, count);
            }
        }
    }

    /// <summary>Forgets every count (a usage read again from a better source).</summary>
    public void Clear()
    {
        _inline = default;
        _all = null;
        _reported = 0;
        _positive = 0;
    }

    public Usage Clone()
    {
        var copy = new Usage { _inline = _inline, _reported = _reported, _positive = _positive };
        if (_all is not null)
        {
            copy._all = (long[])_all.Clone();
        }

        return copy;
    }

    public bool Equals(Usage? other)
    {
        if (other is null)
        {
            return false;
        }

        // Counts only: a unit reported as zero equals one not reported.
        if (_positive != other._positive)
        {
            return false;
        }

        for (var positive = _positive; positive != 0; positive &= positive - 1)
        {
            var i = BitOperations.TrailingZeroCount(positive);
            if (Get(i) != other.Get(i))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as Usage);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        for (var i = 0; i < UsageUnitInfo.Count; i++)
        {
            hash.Add(Get(i));
        }

        return hash.ToHashCode();
    }

    /// <summary>Non-zero units as <c>key=count</c>, for logs and test messages.</summary>
    public override string ToString() =>
        string.Join(", ", NonZero().Select(p => $"{UsageUnitInfo.Of(p.Key).Key}={p.Value}"));

    private long Get(int unit)
    {
        if (_all is { } all)
        {
            return all[unit];
        }

        var bit = 1UL << unit;
        return (_reported & bit) == 0 ? 0 : _inline[SlotOf(bit)];
    }

    private void Store(int unit, long count)
    {
        var bit = 1UL << unit;
        if (_all is { } all)
        {
            all[unit] = count;
        }
        else if ((_reported & bit) != 0)
        {
            _inline[SlotOf(bit)] = count;
        }
        else if (BitOperations.PopCount(_reported) < InlineSlots)
        {
            // A new unit: shift the slots of the units after it up by one.
            var slot = SlotOf(bit);
            var used = BitOperations.PopCount(_reported);
            for (var i = used; i > slot; i--)
            {
                _inline[i] = _inline[i - 1];
            }

            _inline[slot] = count;
        }
        else
        {
            all = new long[UsageUnitInfo.Count];
            for (var reported = _reported; reported != 0; reported &= reported - 1)
            {
                var i = BitOperations.TrailingZeroCount(reported);
                all[i] = _inline[SlotOf(1UL << i)];
            }

            all[unit] = count;
            _all = all;
        }

        _reported |= bit;
        _positive = count > 0 ? _positive | bit : _positive & ~bit;
    }

    private int SlotOf(ulong bit) => BitOperations.PopCount(_reported & (bit - 1));

    [InlineArray(InlineSlots)]
    private struct InlineCounts
    {
        private long _element;
    }
}
