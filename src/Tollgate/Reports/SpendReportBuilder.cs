using Tollgate.Analytics;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Forecasting;
using Tollgate.Ledger;

namespace Tollgate.Reports;

/// <summary>Gathers a <see cref="SpendReport"/> from a ledger for a range and filter; a bad range is a result, not an exception.</summary>
public static class SpendReportBuilder
{
    /// <summary>The longest range a report covers (a trend of daily points stays readable up to about a year).</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    /// <summary>Groups shown per breakdown and in the comparison; the rest is "(other)".</summary>
    public const int TopGroups = 8;

    private static readonly (string Name, LedgerDimension Dimension)[] Dimensions =
        [("provider", LedgerDimension.Provider), ("model", LedgerDimension.Model), ("tenant", LedgerDimension.Tenant), ("project", LedgerDimension.Project)];

    public static async ValueTask<AnalyticsOutcome<SpendReport>> BuildAsync(
        ILedgerStore ledger,
        LedgerFilter filter,
        TimeZoneInfo zone,
        DateTimeOffset now,
        ICostCalculator? pricing = null,
        IReadOnlyList<BudgetStatus>? budgets = null,
        IReadOnlyDictionary<string, BudgetRunOut>? runOuts = null,
        long? rawComparisonLimit = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(zone);
        if (filter.From is not { } from || filter.To is not { } to)
        {
            return AnalyticsOutcome<SpendReport>.Fail("a report needs both from and to");
        }

        if (from >= to)
        {
            return AnalyticsOutcome<SpendReport>.Fail("from is not before to: swap them");
        }

        if (to - from > MaxRange)
        {
            return AnalyticsOutcome<SpendReport>.Fail($"a report covers at most {MaxRange.TotalDays:0} days: shorten the range");
        }

        var analytics = new LedgerAnalytics(ledger);
        var trendQuery = new TrendQuery { Filter = filter, TimeZone = zone, Bucket = to - from <= TimeSpan.FromDays(3) ? TimeBucket.Hour : TimeBucket.Day };
        var trend = await analytics.TrendAsync(trendQuery, cancellationToken);
        if (trend.Value is null)
        {
            return AnalyticsOutcome<SpendReport>.Fail(trend.Error!);
        }

        var breakdowns = new List<(string, Breakdown)>();
        foreach (var (name, dimension) in Dimensions)
        {
            var breakdown = await analytics.BreakdownAsync(
                new BreakdownQuery { Filter = filter, By = AnalyticsDimension.Of(dimension), Top = TopGroups, ComparePrevious = true }, cancellationToken);
            breakdowns.Add((name, breakdown.Value ?? throw new InvalidOperationException(breakdown.Error)));
        }

        var comparisonQuery = new BreakdownQuery { Filter = filter, By = AnalyticsDimension.Of(LedgerDimension.Model), Top = TopGroups };
        var comparison = await analytics.CompareWithinLimitAsync(comparisonQuery, pricing, rawComparisonLimit ?? LedgerAnalytics.RawComparisonLimit, cancellationToken);
        if (comparison.Value is null)
        {
            // The comparison's latencies come from the raw records: a range before the retention cutoff has none.
            return AnalyticsOutcome<SpendReport>.Fail(comparison.Error!);
        }

        var patterns = await analytics.PatternsAsync(new PatternQuery { Filter = filter, TimeZone = zone }, cancellationToken);
        return AnalyticsOutcome<SpendReport>.Ok(new SpendReport
        {
            From = from,
            To = to,
            TimeZone = zone,
            GeneratedAt = now,
            TrendQuery = trendQuery,
            Trend = trend.Value,
            Breakdowns = breakdowns,
            ComparisonQuery = comparisonQuery,
            Comparison = comparison.Value,
            ComparisonNote = comparison.Value.Note,
            Patterns = patterns.Value ?? throw new InvalidOperationException(patterns.Error),
            Budgets = budgets ?? [],
            RunOuts = runOuts ?? new Dictionary<string, BudgetRunOut>(),
        });
    }
}
