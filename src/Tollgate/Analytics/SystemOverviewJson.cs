using System.Text.Json;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Forecasting;

namespace Tollgate.Analytics;

/// <summary>
/// The JSON of a <see cref="SystemOverview"/>, printed by <c>tollgate status --json</c> and answered by <c>GET /admin/overview</c>:
/// money as decimal strings in the budget's or the ledger's currency, ratios as numbers, times in ISO 8601.
/// </summary>
public static class SystemOverviewJson
{
    public static string Serialize(SystemOverview overview)
    {
        ArgumentNullException.ThrowIfNull(overview);
        return JsonSerializer.Serialize(new
        {
            time_zone = overview.TimeZone.Id,
            at = overview.At,
            currency = "USD",
            spend = new { today = Period(overview.Spend.Today), month = Period(overview.Spend.Month) },
            emergency = overview.Emergency is { } e ? new { budget_id = e.BudgetId, since = e.Since, reason = e.Reason } : null,
            budgets = overview.Budgets.Select(b => Budget(b.Status, b.RunOut)),
            providers = overview.Providers.Select(p => new
            {
                name = p.Name,
                enabled = p.Enabled,
                month_cost = Money.Format(p.Month.Cost),
                requests = p.Month.Requests,
                success_rate = UsageRatios.SuccessRate(p.Month),
                health = p.Health is { } h ? new
                {
                    circuit = h.Circuit.ToString().ToLowerInvariant(),
                    samples = h.Samples,
                    success_rate = h.SuccessRate,
                    latency_p50_ms = h.LatencyP50?.TotalMilliseconds,
                    latency_p95_ms = h.LatencyP95?.TotalMilliseconds,
                    consecutive_failures = h.ConsecutiveFailures,
                } : null,
            }),
            alerts = overview.Alerts.Take(SystemOverviewReader.AlertLimit).Select(a => new
            {
                id = a.Alert.Id,
                at = a.Alert.At,
                severity = a.Alert.Severity.ToString().ToLowerInvariant(),
                kind = a.Alert.Kind,
                message = a.Alert.Message,
                budget_id = a.Alert.BudgetId,
                acknowledged = a.Acknowledged is not null,
                expected = a.Expected is not null,
            }),
            alert_window_hours = overview.AlertWindow.TotalHours,
            alerts_in_window = overview.Alerts.Count,
        }, BudgetJson.Options);
    }

    private static object Period(SpendPeriod p) => new
    {
        from = p.From,
        to = p.To,
        cost = Money.Format(p.Metrics.Cost),
        requests = p.Metrics.Requests,
        previous_from = p.PreviousFrom,
        previous_to = p.PreviousTo,
        previous_cost = Money.Format(p.Previous.Cost),
        previous_requests = p.Previous.Requests,
        change_percent = p.ChangePercent,
    };

    private static object Budget(BudgetStatus s, BudgetRunOut? runOut) => new
    {
        id = s.Budget.Id,
        name = s.Budget.Name,
        scope = s.Budget.Scope.ToString(),
        period = s.Budget.Period.ToString(),
        enforcement = s.Budget.Enforcement.ToString().ToLowerInvariant(),
        currency = s.Budget.Currency,
        limit = Money.Format(s.EffectiveLimit),
        spent = Money.Format(s.Spent),
        held = Money.Format(s.Held),
        remaining = Money.Format(s.Remaining),
        used = decimal.Round(s.UsedFraction, 4),
        used_percent = decimal.Round(s.UsedFraction * 100, 2),
        window = s.Window.Key,
        resets_at = s.ResetsAt,
        run_out = BudgetRunOutJson.View(runOut),
    };
}
