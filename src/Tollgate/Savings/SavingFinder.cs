using Tollgate.Ledger;

namespace Tollgate.Savings;

/// <summary>Whether a saving is worth recommending: its percent of <c>actualNanos</c>, or null when below the thresholds.</summary>
internal delegate decimal? SavingThreshold(long savingNanos, long actualNanos);

/// <summary>One kind of saving found in the period's priced records, which <see cref="RecommendationEngine"/> feeds in time order.</summary>
internal interface ISavingFinder
{
    void Add(UsageRecord record);

    IEnumerable<Recommendation> Recommendations(SavingThreshold worth);
}
