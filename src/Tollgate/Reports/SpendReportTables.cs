using System.Globalization;
using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Forecasting;

namespace Tollgate.Reports;

/// <summary>The tables of a <see cref="SpendReport"/>, shared by the Markdown and HTML forms so both say the same.</summary>
internal static class SpendReportTables
{
    public static IReadOnlyList<(string Label, string Value)> Summary(SpendReport r)
    {
        var t = r.Total;
        return
        [
            ("Total cost", $"{Money.Format(t.Cost)} {r.Currency}"),
            ("Requests", t.Requests.ToString("N0", CultureInfo.InvariantCulture)),
            ("Success rate", Percent(UsageRatios.SuccessRate(t))),
            ("Average per request", $"{Money.Format(UsageRatios.AverageCostPerRequest(t))} {r.Currency}"),
            ("Tokens (input / output)", $"{t.InputTokens.ToString("N0", CultureInfo.InvariantCulture)} / {t.OutputTokens.ToString("N0", CultureInfo.InvariantCulture)}"),
            ("Trend", $"{r.Trend.Direction.ToString().ToLowerInvariant()} ({Money.Format(r.Trend.SlopePerBucket)} per {r.TrendQuery.Bucket.ToString().ToLowerInvariant()}, Mann–Kendall p = {r.Trend.PValue.ToString("0.000", CultureInfo.InvariantCulture)})"),
            ("Prompt caching saved", r.Comparison.CacheSavings is { } s ? $"{Money.Format(s.Net)} {r.Currency}" : "not repriced"),
        ];
    }

    public static ReportTable Trend(SpendReport r) => new(
        $"Spend per {r.TrendQuery.Bucket.ToString().ToLowerInvariant()}",
        [r.TrendQuery.Bucket.ToString().ToLowerInvariant(), $"cost ({r.Currency})", "requests", "change", "moving average"],
        r.Trend.Points.Select(p => new[]
        {
            p.Label, Money.Format(p.Value), p.Metrics.Requests.ToString("N0", CultureInfo.InvariantCulture),
            p.ChangePercent is { } c ? Signed(c) : "-", p.MovingAverage is { } m ? Money.Format(m) : "-",
        }).ToList());

    public static ReportTable Breakdown(string dimension, Breakdown b, string currency) => new(
        $"By {dimension}",
        [dimension, $"cost ({currency})", "share", "requests", "success", "per request", "previous period", "change"],
        b.Rows.Select(row => new[]
        {
            row.Key, Money.Format(row.Metrics.Cost), UsageRatios.SharePercent(row.Metrics, b.Total).ToString("0.00", CultureInfo.InvariantCulture) + " %",
            row.Metrics.Requests.ToString("N0", CultureInfo.InvariantCulture), Percent(UsageRatios.SuccessRate(row.Metrics)),
            Money.Format(UsageRatios.AverageCostPerRequest(row.Metrics)),
            row.Previous is { } p ? Money.Format(p.Cost) : "-",
            row.Previous is { } q ? UsageRatios.CostChangePercent(row.Metrics, q) is { } c ? Signed(c) : "new" : "-",
        }).ToList());

    public static ReportTable Comparison(SpendReport r) => new(
        "Models side by side",
        ["model", $"cost ({r.Currency})", "success", "p50 ms", "p95 ms", "per 1k output", "output/input", "reasoning", "cache hit", "cache saved", "score"],
        r.Comparison.Rows.Select(row => new[]
        {
            row.Key, Money.Format(row.Metrics.Cost), Percent(UsageRatios.SuccessRate(row.Metrics)),
            row.LatencyP50Ms?.ToString(CultureInfo.InvariantCulture) ?? "-", row.LatencyP95Ms?.ToString(CultureInfo.InvariantCulture) ?? "-",
            Money.Format(UsageRatios.CostPer1kOutputTokens(row.Metrics)), UsageRatios.OutputInputRatio(row.Metrics).ToString("0.00", CultureInfo.InvariantCulture),
            Percent(UsageRatios.ReasoningShare(row.Metrics)), Percent(UsageRatios.CacheReadShare(row.Metrics)),
            row.CacheSavings is { } s ? Money.Format(s.Net) : "-", row.EfficiencyScore.ToString("0.0", CultureInfo.InvariantCulture),
        }).ToList());

    public static ReportTable Weekdays(SpendReport r) => new(
        $"By weekday ({r.TimeZone.Id})",
        ["weekday", $"cost ({r.Currency})", "requests"],
        [
            .. r.Patterns.ByWeekday.Select(d => new[] { d.Day.ToString(), Money.Format(d.Metrics.Cost), d.Metrics.Requests.ToString("N0", CultureInfo.InvariantCulture) }),
            ["weekdays", Money.Format(r.Patterns.Weekdays.Cost), r.Patterns.Weekdays.Requests.ToString("N0", CultureInfo.InvariantCulture)],
            ["weekend", Money.Format(r.Patterns.Weekend.Cost), r.Patterns.Weekend.Requests.ToString("N0", CultureInfo.InvariantCulture)],
        ]);

    public static ReportTable Hours(SpendReport r) => new(
        $"By hour of day ({r.TimeZone.Id}); peak hours: {(r.Patterns.PeakHours.Count == 0 ? "none" : string.Join(", ", r.Patterns.PeakHours.Select(h => h.ToString("00", CultureInfo.InvariantCulture) + ":00")))}",
        ["hour", $"cost ({r.Currency})", "requests"],
        r.Patterns.ByHourOfDay.Select((m, h) => (m, h)).Where(x => x.m.Requests > 0)
            .Select(x => new[] { x.h.ToString("00", CultureInfo.InvariantCulture) + ":00", Money.Format(x.m.Cost), x.m.Requests.ToString("N0", CultureInfo.InvariantCulture) }).ToList());

    public static ReportTable Budgets(SpendReport r) => new(
        "Budgets (now)",
        ["budget", "window", "limit", "spent", "remaining", "used", "resets (UTC)", "run-out P10 / P50 / P90 (UTC)"],
        r.Budgets.Select(s => new[]
        {
            s.Budget.Id, s.Window.Key, $"{Money.Format(s.EffectiveLimit)} {s.Budget.Currency}", Money.Format(s.Spent), Money.Format(s.Remaining),
            s.UsedFraction.ToString("P1", CultureInfo.InvariantCulture),
            s.ResetsAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never",
            BudgetRunOutJson.Describe(r.RunOuts.GetValueOrDefault(s.Budget.Id)),
        }).ToList());

    public static string Range(SpendReport r) => string.Create(CultureInfo.InvariantCulture,
        $"{TimeZoneInfo.ConvertTime(r.From, r.TimeZone):yyyy-MM-dd HH:mm} to {TimeZoneInfo.ConvertTime(r.To, r.TimeZone):yyyy-MM-dd HH:mm} ({r.TimeZone.Id})");

    private static string Percent(decimal fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static string Signed(decimal percent) => (percent > 0 ? "+" : "") + percent.ToString("0.00", CultureInfo.InvariantCulture) + " %";
}
