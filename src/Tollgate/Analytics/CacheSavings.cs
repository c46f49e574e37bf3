namespace Tollgate.Analytics;

/// <summary>
/// What prompt caching saved over a set of records, by repricing each record's usage without its cache units (the
/// cached input billed as plain input) at the prices in force at the call: <see cref="ReadSavings"/> is the cache-read
/// discount, the premiums what cache writes cost above plain input, per time-to-live. <see cref="Net"/> can be negative
/// when writes are never read back.
/// </summary>
public readonly record struct CacheSavings(
    decimal ReadSavings,
    decimal WritePremium5m,
    decimal WritePremium1h,
    decimal WritePremiumOther,
    decimal Net,
    long Records,
    long SkippedRecords)
{
    /// <summary>All cache writes' premium, whatever their time-to-live.</summary>
    public decimal WritePremium => WritePremium5m + WritePremium1h + WritePremiumOther;

    public static CacheSavings operator +(CacheSavings a, CacheSavings b) => new(
        a.ReadSavings + b.ReadSavings, a.WritePremium5m + b.WritePremium5m, a.WritePremium1h + b.WritePremium1h,
        a.WritePremiumOther + b.WritePremiumOther, a.Net + b.Net, a.Records + b.Records, a.SkippedRecords + b.SkippedRecords);
}
