using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// Reprices one record's usage with and without its cache units (<see cref="CacheSavings"/>). A cache unit's tokens
/// are part of <c>input_tokens</c>, so dropping the unit bills them as plain input; a dropped write unit with a
/// time-to-live is also taken out of the write total of its modality, which it is part of.
/// </summary>
internal sealed class CacheSavingsCalculator(ICostCalculator pricing)
{
    private static readonly UsageUnitInfo[] CacheUnits = [.. UsageUnitInfo.All.Where(u => u.TokenType is "cache_read" or "cache_write")];

    /// <summary>The savings of one record; a record without cache tokens saves nothing and is not counted.</summary>
    public CacheSavings Of(UsageRecord record)
    {
        var usage = record.Usage;
        if (usage.CacheReadTokens == 0 && usage.CacheWriteTokens == 0 && !CacheUnits.Any(u => usage[u.Unit] > 0))
        {
            return default;
        }

        if (record.Unpriced || !string.Equals(record.Currency, "USD", StringComparison.Ordinal))
        {
            return new(0, 0, 0, 0, 0, 0, 1);
        }

        // Dropping units a record has none of leaves its price as it is: only what it has is repriced (most records
        // read a cache and write none, with no time-to-live units: three prices, not six).
        var actual = Price(record, usage);
        var noReads = Has(usage, u => u.TokenType == "cache_read") ? Price(record, Without(usage, u => u.TokenType == "cache_read")) : actual;
        var noWrites = Has(usage, u => u.TokenType == "cache_write") ? Price(record, Without(usage, u => u.TokenType == "cache_write")) : actual;
        var no5m = Has(usage, u => u.TokenType == "cache_write" && u.CacheTtl == "5m") ? Price(record, Without(usage, u => u.TokenType == "cache_write" && u.CacheTtl == "5m")) : actual;
        var no1h = Has(usage, u => u.TokenType == "cache_write" && u.CacheTtl == "1h") ? Price(record, Without(usage, u => u.TokenType == "cache_write" && u.CacheTtl == "1h")) : actual;
        var none = Price(record, Without(usage, _ => true));
        if (actual is not { } a || noReads is not { } r || noWrites is not { } w || no5m is not { } w5 || no1h is not { } w1 || none is not { } n)
        {
            return new(0, 0, 0, 0, 0, 0, 1);
        }

        var premium5m = a - w5;
        var premium1h = a - w1;
        return new(r - a, premium5m, premium1h, a - w - premium5m - premium1h, n - a, 1, 0);
    }

    private decimal? Price(UsageRecord record, Usage usage)
    {
        var cost = pricing.CalculateTotal(record.Provider, record.Model, usage, record.Timestamp);
        return cost.Priced ? cost.TotalCost : null;
    }

    private static Usage Without(Usage usage, Func<UsageUnitInfo, bool> drop)
    {
        var result = new Usage();
        foreach (var info in UsageUnitInfo.All)
        {
            if (usage.IsReported(info.Unit) && !(IsCache(info) && drop(info)))
            {
                result.Set(info.Unit, usage[info.Unit]);
            }
        }

        foreach (var info in CacheUnits)
        {
            if (info.CacheTtl is not null && drop(info) && usage[info.Unit] > 0)
            {
                var parent = CacheUnits.FirstOrDefault(p => p.TokenType == info.TokenType && p.CacheTtl is null && p.Modality == info.Modality);
                if (parent is not null && result.IsReported(parent.Unit))
                {
                    result.Set(parent.Unit, Math.Max(0, result[parent.Unit] - usage[info.Unit]));
                }
            }
        }

        return result;
    }

    private static bool IsCache(UsageUnitInfo info) => info.TokenType is "cache_read" or "cache_write";

    /// <summary>True when the usage has tokens of a cache unit <paramref name="which"/> selects.</summary>
    private static bool Has(Usage usage, Func<UsageUnitInfo, bool> which) => CacheUnits.Any(u => which(u) && usage[u.Unit] > 0);
}
