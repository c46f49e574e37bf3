using Tollgate.Analytics;
using Tollgate.Budgets;
using Tollgate.Forecasting;
using Tollgate.Ledger;

namespace Tollgate.Reports;

/// <summary>
/// Everything a spend report shows for one range: the trend, breakdowns, the model comparison, the usage pattern and
/// the budgets. Built by <see cref="SpendReportBuilder"/>; rendered by <see cref="SpendReportMarkdown"/>,
/// <see cref="SpendReportHtml"/> and <see cref="SpendReportJson"/>. Every figure comes from <see cref="LedgerAnalytics"/>.
/// </summary>
public sealed record SpendReport
{
    public required DateTimeOffset From { get; init; }

    /// <summary>The end of the range (exclusive).</summary>
    public required DateTimeOffset To { get; init; }

    public required TimeZoneInfo TimeZone { get; init; }

    public required DateTimeOffset GeneratedAt { get; init; }

    public string Currency { get; init; } = "USD";

    public required TrendQuery TrendQuery { get; init; }

    public required Trend Trend { get; init; }

    /// <summary>Breakdowns by provider, model, tenant and project (the largest groups, the rest as "(other)"), each compared with the previous period.</summary>
    public required IReadOnlyList<(string Dimension, Breakdown Breakdown)> Breakdowns { get; init; }

    public required BreakdownQuery ComparisonQuery { get; init; }

    public required Comparison Comparison { get; init; }

    /// <summary>Why the comparison has no latency percentiles or cache savings (a range too large to read call by call); null when it has them.</summary>
    public string? ComparisonNote { get; init; }

    public required UsagePatterns Patterns { get; init; }

    public IReadOnlyList<BudgetStatus> Budgets { get; init; } = [];

    public IReadOnlyDictionary<string, BudgetRunOut> RunOuts { get; init; } = new Dictionary<string, BudgetRunOut>();

    public LedgerMetrics Total => Trend.Total;
}
