namespace Tollgate.Costing;

/// <summary>
/// Conversions between <see cref="decimal"/> amounts and the integer nano-units (10⁻⁹ of the currency)
/// that counters and storage hold. Nano rather than micro: a single token of a cheap model costs less
/// than a micro-dollar, and sums over millions of calls must not drift.
/// </summary>
public static class Money
{
    /// <summary>Nano-units per whole currency unit.</summary>
    public const long NanosPerUnit = 1_000_000_000;

    // 10^0 .. 10^19: the factor between a decimal's scale and nine places.
    private static readonly ulong[] PowersOfTen =
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ];

    /// <summary>Rounds to the nearest nano-unit (half away from zero): for recording what was spent.</summary>
    public static long ToNanos(decimal amount) =>
        TryScale(amount, ceiling: false, out var nanos) ? nanos : decimal.ToInt64(decimal.Round(amount * NanosPerUnit, 0, MidpointRounding.AwayFromZero));

    /// <summary>Rounds up to a whole nano-unit: for holds and limits checks, so a hold never under-reserves.</summary>
    public static long ToNanosCeiling(decimal amount) =>
        TryScale(amount, ceiling: true, out var nanos) ? nanos : decimal.ToInt64(decimal.Ceiling(amount * NanosPerUnit));

    /// <summary>The amount of <paramref name="nanos"/> nano-units, with no trailing zeros (what dividing by 10⁹ gives).</summary>
    public static decimal FromNanos(long nanos)
    {
        // Every call records and reports its cost: built from the integer directly, a decimal division costs more.
        var magnitude = nanos < 0 ? (ulong)-(nanos + 1) + 1 : (ulong)nanos;
        byte scale = 9;
        while (scale > 0 && magnitude % 10 == 0)
        {
            magnitude /= 10;
            scale--;
        }

        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, nanos < 0, scale);
    }

    /// <summary>
    /// <paramref name="amount"/> in nano-units from its integer and scale — exactly what the decimal arithmetic gives,
    /// several times cheaper (every call converts a few amounts); false when it does not fit a long.
    /// </summary>
    private static bool TryScale(decimal amount, bool ceiling, out long nanos)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(amount, bits);
        var negative = bits[3] < 0;
        var scale = (bits[3] >> 16) & 0xFF;
        var integer = new UInt128((uint)bits[2], ((ulong)(uint)bits[1] << 32) | (uint)bits[0]);
        UInt128 magnitude;
        if (scale <= 9)
        {
            magnitude = integer * PowersOfTen[9 - scale];
        }
        else
        {
            var divisor = PowersOfTen[scale - 9];
            magnitude = integer / divisor;
            var remainder = (ulong)(integer - (magnitude * divisor));
            // Ceiling rounds a positive amount up and a negative one toward zero; rounding is half away from zero.
            if (remainder != 0 && (ceiling ? !negative : remainder >= divisor - remainder))
            {
                magnitude++;
            }
        }

        if (magnitude > long.MaxValue)
        {
            nanos = 0;
            return false;
        }

        nanos = negative ? -(long)magnitude : (long)magnitude;
        return true;
    }

    /// <summary>Invariant decimal string without trailing zeros ("0.0090519", "12"), the wire form of money.</summary>
    public static string Format(decimal amount) =>
        (amount / 1.000000000000000000000000000000000m).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
