using System.Globalization;

namespace Tollgate.Forecasting;

/// <summary>How a <see cref="BudgetRunOut"/> is shown: the JSON object of the CLI and the HTTP endpoints, and one table cell.</summary>
public static class BudgetRunOutJson
{
    /// <summary>
    /// <c>{"p10","p50","p90","probability_before_reset","history_hours"}</c>; a percentile is null when, at that level,
    /// the budget does not run out before its reset. Null when there is too little spend history to project.
    /// </summary>
    public static object? View(BudgetRunOut? runOut) => runOut is null
        ? null
        : new
        {
            p10 = runOut.P10,
            p50 = runOut.P50,
            p90 = runOut.P90,
            probability_before_reset = Math.Round(runOut.ProbabilityBeforeReset, 3),
            history_hours = runOut.HistoryHours,
        };

    /// <summary><c>03-12 09:00 / 03-12 14:00 / 03-13 02:00</c>, <c>not before reset (run-out 12 %)</c>, or <c>-</c> without history.</summary>
    public static string Describe(BudgetRunOut? runOut)
    {
        if (runOut is null)
        {
            return "-";
        }

        if (runOut.P50 is null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"not before reset (run-out {runOut.ProbabilityBeforeReset:P0})");
        }

        static string At(DateTimeOffset? t) => t?.UtcDateTime.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "after reset";
        return $"{At(runOut.P10)} / {At(runOut.P50)} / {At(runOut.P90)}";
    }
}
