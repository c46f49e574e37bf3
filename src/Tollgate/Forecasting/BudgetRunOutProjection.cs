using Tollgate.Budgets;
using Tollgate.Ledger;

namespace Tollgate.Forecasting;

/// <summary>Projects the run-out of budgets from the ledger spend of their scope (<see cref="BudgetRunOutEstimator"/>).</summary>
public static class BudgetRunOutProjection
{
    /// <summary>How much spend history the projection draws from: four weeks, so every hour of the week has four samples.</summary>
    public const int HistoryHours = 28 * 24;

    /// <summary>The run-out of each budget's current window, by budget id; a budget with too little spend history has none.</summary>
    public static async Task<IReadOnlyDictionary<string, BudgetRunOut>> ProjectAsync(
        IReadOnlyList<BudgetStatus> statuses, ILedgerStore ledger, IExchangeRateSource rates, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<string, BudgetRunOut>(StringComparer.Ordinal);
        foreach (var status in statuses)
        {
            if (!rates.TryGetRate(status.Budget.Currency, out var unitsPerUsd))
            {
                continue;
            }

            var filter = status.Budget.Scope.ToLedgerFilter();
            var history = (await SpendHistory.ReadAsync(ledger, filter, null, TimeBucket.Hour, HistoryHours, now, cancellationToken))[""];
            var rate = (double)unitsPerUsd;
            var inCurrency = history.Select(v => v * rate).ToArray();

            // Deterministic per budget and window, so the same state shows the same projection on every call.
            var seed = (int)(System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(status.Budget.Id + "|" + status.Window.Key)) & 0x7fffffff);
            if (BudgetRunOutEstimator.Estimate((double)status.Remaining, now, status.ResetsAt, SpendHistory.SinceFirstSpend(inCurrency, BudgetRunOutEstimator.MinimumHistoryHours) ?? inCurrency, seed: seed) is { } runOut)
            {
                result[status.Budget.Id] = runOut;
            }
        }

        return result;
    }
}
