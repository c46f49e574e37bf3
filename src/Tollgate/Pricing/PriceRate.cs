using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Tollgate.Pricing;

/// <summary>
/// The price of one unit, per the unit's <see cref="Costing.UsageUnitInfo.Per"/> counts: a flat rate, or a base rate
/// with cliff tiers chosen by the call's TOTAL input tokens (cache included): the highest tier whose start is
/// strictly below that total applies to the whole count.
/// </summary>
public sealed class PriceRate
{
    /// <summary>Fixed-point scale of the integer fast path: costs are held as integers of 10⁻²⁴ currency units.</summary>
    internal const int FixedScale = 24;

    // Products are kept below this so a handful of them can be summed without overflowing Int128.
    private static readonly Int128 ProductLimit = Int128.Parse("10000000000000000000000000000000000000", CultureInfo.InvariantCulture);

    private readonly PriceTier[] _tiers;
    private readonly decimal[] _perCount;
    private readonly bool _perIsPowerOfTen;

    // rate ÷ per × 10^24 per tier index, exact integers; _fastLimit[i] is the largest count whose product stays
    // under ProductLimit, or -1 when the rate has no exact fixed-point form (then the decimal path is used).
    private readonly Int128[] _fixed;
    private readonly long[] _fastLimit;

    public PriceRate(decimal baseRate, IEnumerable<PriceTier>? tiers, long per)
    {
        Base = baseRate;
        _tiers = tiers is null ? [] : [.. tiers.OrderBy(t => t.Start)];
        Per = per;

        // rate / per is exact in decimal when per is a power of ten, so the hot path can multiply once.
        _perIsPowerOfTen = IsPowerOfTen(per);
        _perCount = new decimal[_tiers.Length + 1];
        if (_perIsPowerOfTen)
        {
            _perCount[0] = baseRate / per;
            for (var i = 0; i < _tiers.Length; i++)
            {
                _perCount[i + 1] = _tiers[i].Price / per;
            }
        }

        _fixed = new Int128[_tiers.Length + 1];
        _fastLimit = new long[_tiers.Length + 1];
        for (var i = 0; i <= _tiers.Length; i++)
        {
            (_fixed[i], _fastLimit[i]) = ToFixed(i == 0 ? baseRate : _tiers[i - 1].Price, per);
        }
    }

    /// <summary>Rate below the first tier (or the only rate).</summary>
    public decimal Base { get; }

    /// <summary>Tiers in ascending start order; empty for a flat rate.</summary>
    public IReadOnlyList<PriceTier> Tiers => _tiers;

    /// <summary>How many counts the rate covers (1,000,000 tokens, 1,000 requests, 3,600 seconds).</summary>
    public long Per { get; }

    public bool IsTiered => _tiers.Length > 0;

    /// <summary>The rate that applies for a call with <paramref name="totalInputTokens"/> input tokens.</summary>
    public decimal RateFor(long totalInputTokens)
    {
        var index = TierIndex(totalInputTokens);
        return index == 0 ? Base : _tiers[index - 1].Price;
    }

    /// <summary>Cost of <paramref name="count"/> units: rate × count ÷ per, exact.</summary>
    public decimal CostOf(long count, long totalInputTokens)
    {
        var index = _tiers.Length == 0 ? 0 : TierIndex(totalInputTokens);
        if (_perIsPowerOfTen)
        {
            return count * _perCount[index];
        }

        var rate = index == 0 ? Base : _tiers[index - 1].Price;
        return rate * count / Per;
    }

    /// <summary>The tier index (0 = base) that applies for a call with <paramref name="totalInputTokens"/> input tokens.</summary>
    internal int IndexFor(long totalInputTokens) => _tiers.Length == 0 ? 0 : TierIndex(totalInputTokens);

    /// <summary>Cost in 10⁻²⁴ units as an exact integer; false when this rate or count needs the decimal path.</summary>
    internal bool TryFixedCost(long count, int index, out Int128 cost)
    {
        if (count < 0 || count > _fastLimit[index])
        {
            cost = default;
            return false;
        }

        cost = count * _fixed[index];
        return true;
    }

    /// <summary>An exact fixed-point (10⁻²⁴) amount as a decimal; false when it does not fit a decimal's 96-bit mantissa.</summary>
    internal static bool TryFixedToDecimal(Int128 value, out decimal amount)
    {
        if (value < 0 || (value >> 96) != 0)
        {
            amount = default;
            return false;
        }

        var low = (ulong)value;
        amount = new decimal((int)(uint)low, (int)(uint)(low >> 32), (int)(uint)(value >> 64), false, FixedScale);
        return true;
    }

    public override string ToString() =>
        _tiers.Length == 0
            ? Base.ToString(CultureInfo.InvariantCulture)
            : $"{Base.ToString(CultureInfo.InvariantCulture)} (+{_tiers.Length} tiers)";

    internal static PriceRate Parse(JsonElement value, long per, string where)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                return new PriceRate(ReadPrice(value, where), null, per);
            case JsonValueKind.Object:
                if (!value.TryGetProperty("base", out var baseElement))
                {
                    throw new FormatException($"{where}: a tiered price needs 'base'.");
                }

                var tiers = new List<PriceTier>();
                if (value.TryGetProperty("tiers", out var tiersElement))
                {
                    if (tiersElement.ValueKind != JsonValueKind.Array)
                    {
                        throw new FormatException($"{where}: 'tiers' must be a list.");
                    }

                    foreach (var tier in tiersElement.EnumerateArray())
                    {
                        if (tier.ValueKind != JsonValueKind.Object
                            || !tier.TryGetProperty("start", out var start) || !start.TryGetInt64(out var startValue) || startValue < 0
                            || !tier.TryGetProperty("price", out var price))
                        {
                            throw new FormatException($"{where}: each tier needs a non-negative integer 'start' and a 'price'.");
                        }

                        tiers.Add(new PriceTier(startValue, ReadPrice(price, where)));
                    }
                }

                return new PriceRate(ReadPrice(baseElement, where), tiers, per);
            default:
                throw new FormatException($"{where}: a price must be a number or {{\"base\", \"tiers\"}}.");
        }
    }

    private static decimal ReadPrice(JsonElement value, string where)
    {
        // Prices are read as decimals straight from the JSON text: never through a double.
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var price))
        {
            throw new FormatException($"{where}: a price must be a number.");
        }

        if (price < 0)
        {
            throw new FormatException($"{where}: a price cannot be negative.");
        }

        return price;
    }

    private int TierIndex(long totalInputTokens)
    {
        // Highest tier whose start is strictly below the total; tiers are sorted ascending.
        var index = 0;
        for (var i = 0; i < _tiers.Length; i++)
        {
            if (_tiers[i].Start < totalInputTokens)
            {
                index = i + 1;
            }
            else
            {
                break;
            }
        }

        return index;
    }

    private static (Int128 Fixed, long Limit) ToFixed(decimal rate, long per)
    {
        // rate = mantissa / 10^scale, so rate / per × 10^24 = mantissa × 10^24 / (10^scale × per): exact or not at all.
        var bits = decimal.GetBits(rate);
        var mantissa = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        var scale = (bits[3] >> 16) & 0xFF;
        var numerator = mantissa * BigInteger.Pow(10, FixedScale);
        var denominator = BigInteger.Pow(10, scale) * per;
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        if (!remainder.IsZero || quotient > (BigInteger)ProductLimit)
        {
            return (0, -1);
        }

        var fixedValue = (Int128)quotient;
        var limit = fixedValue == 0 ? long.MaxValue : (long)BigInteger.Min((BigInteger)ProductLimit / quotient, long.MaxValue);
        return (fixedValue, limit);
    }

    private static bool IsPowerOfTen(long value)
    {
        if (value <= 0)
        {
            return false;
        }

        while (value % 10 == 0)
        {
            value /= 10;
        }

        return value == 1;
    }
}
