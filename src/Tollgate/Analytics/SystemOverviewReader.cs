using Tollgate.Alerts;
using Tollgate.Forecasting;
using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// Reads a <see cref="SystemOverview"/>: four rollup totals (<see cref="LedgerAnalytics.SpendSummaryAsync"/>), one rollup
/// breakdown by provider for the month, the budgets' run-out projections (<see cref="BudgetRunOutProjection"/>) and the
/// alert history of the window. Nothing reads raw records, so the cost does not grow with the ledger's size.
/// </summary>
public static class SystemOverviewReader
{
    /// <summary>How many alerts an overview lists (the newest); the count covers the whole window.</summary>
    public const int AlertLimit = 10;

    public static async Task<SystemOverview> ReadAsync(SystemOverviewSources sources, TimeZoneInfo zone, DateTimeOffset now, TimeSpan alertWindow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(zone);
        var spend = await new LedgerAnalytics(sources.Ledger).SpendSummaryAsync(LedgerFilter.All, zone, now, cancellationToken);
        var statuses = await sources.Budgets(cancellationToken);
        var runOuts = statuses.Count == 0 ? new Dictionary<string, BudgetRunOut>()
            : await BudgetRunOutProjection.ProjectAsync(statuses, sources.Ledger, sources.Rates, now, cancellationToken);
        var budgets = statuses.OrderBy(s => s.Budget.Id, StringComparer.Ordinal)
            .Select(s => new OverviewBudget(s, runOuts.GetValueOrDefault(s.Budget.Id))).ToList();

        var state = await sources.LoadProviderState(cancellationToken);
        var month = (await sources.Ledger.QueryAsync(new LedgerQuery { Filter = new LedgerFilter { From = spend.Month.From, To = now }, GroupBy = LedgerDimension.Provider }, cancellationToken)).Groups;
        var byName = month.Where(g => g.Key is not null).ToDictionary(g => g.Key!, g => g.Metrics, StringComparer.Ordinal);
        var names = sources.ConfiguredProviders.Concat(byName.Keys.OrderByDescending(n => byName[n].CostNanos).ThenBy(n => n, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal);
        var providers = names.Select(n => new OverviewProvider(n, state.IsProviderEnabled(n), byName.GetValueOrDefault(n), sources.Health?.Invoke(n))).ToList();

        var alerts = AlertFeedback.Fold(await sources.Alerts.QueryAsync(now - alertWindow, cancellationToken));
        var emergency = await sources.Emergency(cancellationToken);
        return new SystemOverview(zone, now, spend, budgets, providers, alerts, alertWindow, emergency);
    }
}
