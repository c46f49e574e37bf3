namespace Tollgate.Reconciliation.Causes;

/// <summary>Why a cell's figures differ, as reported in <c>differences[].cause</c>; docs/reconciliation.md gives each rule.</summary>
public static class DifferenceCause
{
    /// <summary>The provider billed calls the ledger never saw, in the same proportion across kinds.</summary>
    public const string Untracked = "untracked_calls";

    /// <summary>Same tokens, a different cost that no uniform discount explains: Tollgate's price list differs from the provider's.</summary>
    public const string PriceMismatch = "price_mismatch";

    /// <summary>Same tokens, the provider's cost lower by the same percentage across cells.</summary>
    public const string Discount = "discount";

    /// <summary>The same input in total, split differently between uncached input, cache reads and cache writes.</summary>
    public const string CacheAccounting = "cache_accounting";

    /// <summary>Batch API usage: the ledger lacks exactly the provider's batch rows, or the provider billed them at half price.</summary>
    public const string Batch = "batch";

    /// <summary>The difference moves between adjacent days and nets to zero over the two.</summary>
    public const string TimeZoneShift = "timezone_shift";

    /// <summary>Anthropic Priority Tier usage: in the usage report, absent from the cost report.</summary>
    public const string PriorityTier = "priority_tier";

    /// <summary>A cost difference within the rounding tolerance.</summary>
    public const string Rounding = "rounding";

    /// <summary>None of the rules above fits.</summary>
    public const string Unexplained = "unexplained";
}
