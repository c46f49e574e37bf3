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

    /// <summary>Rounds to the nearest nano-unit (half away from zero): for recording what was spent.</summary>
    public static long ToNanos(decimal amount) =>
        decimal.ToInt64(decimal.Round(amount * NanosPerUnit, 0, MidpointRounding.AwayFromZero));

    /// <summary>Rounds up to a whole nano-unit: for holds and limits checks, so a hold never under-reserves.</summary>
    public static long ToNanosCeiling(decimal amount) => decimal.ToInt64(decimal.Ceiling(amount * NanosPerUnit));

    public static decimal FromNanos(long nanos) => nanos / (decimal)NanosPerUnit;

    /// <summary>Invariant decimal string without trailing zeros ("0.0090519", "12"), the wire form of money.</summary>
    public static string Format(decimal amount) =>
        (amount / 1.000000000000000000000000000000000m).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
