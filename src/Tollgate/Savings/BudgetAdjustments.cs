using System.Globalization;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Savings;

/// <summary>
/// <c>budget_adjustment</c> recommendations: a calendar budget whose last <see cref="Windows"/> complete windows each used
/// less than half its limit (a limit that plans nothing), or that was used up in one of them (it refused calls). The
/// suggested limit is the next window's forecast spend (median) plus 20 %, rounded up to two significant digits; with too
/// little history to forecast, the largest of those windows' spend plus 20 %.
/// </summary>
public static class BudgetAdjustments
{
    /// <summary>How many complete windows are looked at.</summary>
    public const int Windows = 3;

    public static async ValueTask<IReadOnlyList<Recommendation>> FindAsync(
        ILedgerStore ledger, IReadOnlyList<Budget> budgets, IExchangeRateSource rates, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(budgets);
        ArgumentNullException.ThrowIfNull(rates);
        var found = new List<Recommendation>();
        foreach (var budget in budgets)
        {
            if (budget.Period.IsRolling || budget.Period.Kind == BudgetPeriodKind.Lifetime || !rates.TryGetRate(budget.Currency, out var unitsPerUsd)
                || !BudgetWindows.TryFindTimeZone(budget.TimeZone, out _))
            {
                continue;
            }

            var spends = new List<(string Window, decimal Spend)>();
            var window = BudgetWindows.Previous(budget, BudgetWindows.Current(budget, now));
            while (window is { Start: { } start, End: { } end } && spends.Count < Windows && (budget.CreatedAt is not { } created || start >= created))
            {
                var filter = budget.Scope.ToLedgerFilter(start, end);
                var usd = (await ledger.QueryAsync(new LedgerQuery { Filter = filter }, cancellationToken)).Total.Cost;
                spends.Add((window.Key, usd * unitsPerUsd));
                window = BudgetWindows.Previous(budget, window);
            }

            if (spends.Count < Windows)
            {
                continue;
            }

            var largest = spends.Max(s => s.Spend);
            var forecast = await NextWindowForecastAsync(ledger, budget, now, cancellationToken);
            var suggested = RoundUp((forecast is { } f ? f.Median * unitsPerUsd : largest) * 1.2m);
            var underUsed = spends.All(s => s.Spend < budget.Limit / 2);
            var exhausted = spends.Any(s => s.Spend >= budget.Limit);
            if ((!underUsed && !exhausted) || suggested == budget.Limit)
            {
                continue;
            }

            var evidence = new Dictionary<string, string>
            {
                ["limit"] = $"{Money.Format(budget.Limit)} {budget.Currency}",
                ["suggested_limit"] = $"{Money.Format(suggested)} {budget.Currency}",
                ["suggested_from"] = forecast is null ? "the largest recent window + 20 % (too little history to forecast)" : "the next window's forecast median + 20 %",
            };
            if (forecast is { } next)
            {
                evidence["forecast_next_window"] = $"{Money.Format(Math.Round(next.Median * unitsPerUsd, 6))} {budget.Currency} (80 % interval up to {Money.Format(Math.Round(next.Upper80 * unitsPerUsd, 6))})";
            }

            foreach (var (key, spend) in spends)
            {
                evidence["spent " + key] = $"{Money.Format(Math.Round(spend, 6))} {budget.Currency} ({(spend / budget.Limit).ToString("P0", CultureInfo.InvariantCulture)})";
            }

            found.Add(new Recommendation(
                "budget_adjustment",
                underUsed
                    ? $"Lower budget {budget.DisplayName} from {Money.Format(budget.Limit)} to {Money.Format(suggested)} {budget.Currency}: it used less than half in each of the last {Windows} windows"
                    : $"Raise budget {budget.DisplayName} from {Money.Format(budget.Limit)} to {Money.Format(suggested)} {budget.Currency}: it ran out in the last {Windows} windows",
                new Dictionary<string, string> { ["budget"] = budget.Id },
                0, 0, underUsed ? "medium" : "high", evidence,
                $"tollgate budget set --id {budget.Id} --limit {suggested.ToString(CultureInfo.InvariantCulture)} (a limit close to real spend catches a runaway sooner; one that runs out refuses calls)"));
        }

        return found;
    }

    /// <summary>
    /// The next window's spend in USD forecast from the scope's daily spend (<see cref="Forecasting.SpendForecaster"/>): the sum of the
    /// daily medians (and upper 80 % bounds) of the UTC days starting inside it; null when the history is too short.
    /// </summary>
    private static async Task<(decimal Median, decimal Upper80)?> NextWindowForecastAsync(ILedgerStore ledger, Budget budget, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (BudgetWindows.Current(budget, now) is not { End: { } end } || BudgetWindows.Current(budget, end) is not { Start: { } start, End: { } nextEnd })
        {
            return null;
        }

        var horizon = (int)Math.Ceiling((nextEnd - now).TotalDays);
        var report = await Forecasting.SpendForecaster.ForecastAsync(ledger, budget.Scope.ToLedgerFilter(), null, TimeBucket.Day, Math.Max(1, horizon), now, cancellationToken);
        if (report.Groups is not [var group])
        {
            return null;
        }

        double median = 0, upper = 0;
        for (var i = 0; i < group.Starts.Count; i++)
        {
            if (group.Starts[i] >= start.UtcDateTime.Date && group.Starts[i] < nextEnd)
            {
                median += Math.Max(0, group.Forecast.Median[i]);
                upper += Math.Max(0, group.Forecast.Upper80[i]);
            }
        }

        return ((decimal)median, (decimal)upper);
    }

    /// <summary>Rounds up to two significant digits (1234 → 1300, 0.0456 → 0.046).</summary>
    internal static decimal RoundUp(decimal value)
    {
        if (value <= 0)
        {
            return 0;
        }

        var scale = 1m;
        while (value / scale >= 100)
        {
            scale *= 10;
        }

        while (value / scale < 10)
        {
            scale /= 10;
        }

        return Math.Ceiling(value / scale) * scale;
    }
}
