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
    private UsageCounts _counts;
    private ulong _reported;
    private ulong _positive;

    public Usage()
    {
    }

    /// <summary>The count of a unit; 0 when not reported.</summary>
    public long this[UsageUnit unit]
    {
        get => _counts[(int)unit];
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

    /// <summary>True when no unit has been reported.</summary>
    public bool IsEmpty => _reported == 0;

    /// <summary>Bit i set when unit i has a count above zero (pricing reads this without scanning every unit).</summary>
    internal ulong PositiveMask => _positive;

    /// <summary>Bit i set when unit i was reported (a non-zero count is always reported).</summary>
    internal ulong ReportedMask => _reported;

    public void Set(UsageUnit unit, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _counts[(int)unit] = count;
        _reported |= 1UL << (int)unit;
        _positive = count > 0 ? _positive | (1UL << (int)unit) : _positive & ~(1UL << (int)unit);
    }

    /// <summary>Adds to a unit (several provider fields can map onto one unit).</summary>
    public void Add(UsageUnit unit, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _counts[(int)unit] = checked(_counts[(int)unit] + count);
        _reported |= 1UL << (int)unit;
        if (_counts[(int)unit] > 0)
        {
            _positive |= 1UL << (int)unit;
        }
    }

    /// <summary>Adds every reported unit of <paramref name="other"/> (e.g. summing attempts).</summary>
    public void Add(Usage other)
    {
        for (var i = 0; i < UsageUnitInfo.Count; i++)
        {
            if ((other._reported & (1UL << i)) != 0)
            {
                Add((UsageUnit)i, other._counts[i]);
            }
        }
    }

    /// <summary>The units with a non-zero count, in registry order.</summary>
    public IEnumerable<KeyValuePair<UsageUnit, long>> NonZero()
    {
        for (var i = 0; i < UsageUnitInfo.Count; i++)
        {
            if (_counts[i] != 0)
            {
                yield return new((UsageUnit)i, _counts[i]);
            }
        }
    }

    public Usage Clone()
    {
        var copy = new Usage { _reported = _reported, _positive = _positive };
        for (var i = 0; i < UsageUnitInfo.Count; i++)
        {
            copy._counts[i] = _counts[i];
        }

        return copy;
    }

    public bool Equals(Usage? other)
    {
        if (other is null)
        {
            return false;
        }

        for (var i = 0; i < UsageUnitInfo.Count; i++)
        {
            if (_counts[i] != other._counts[i])
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
            hash.Add(_counts[i]);
        }

        return hash.ToHashCode();
    }

    /// <summary>Non-zero units as <c>key=count</c>, for logs and test messages.</summary>
    public override string ToString() =>
        string.Join(", ", NonZero().Select(p => $"{UsageUnitInfo.Of(p.Key).Key}={p.Value}"));

    [InlineArray(UsageUnitInfo.Count)]
    private struct UsageCounts
    {
        private long _element;
    }
}
