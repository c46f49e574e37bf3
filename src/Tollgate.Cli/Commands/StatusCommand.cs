using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tollgate.Analytics;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Forecasting;
using Tollgate.Ledger;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate status</c>: the first screen in one command — spend today and this month beside the same point of the
/// previous period, budgets (used, remaining, run-out), emergency mode, providers seen this month, recent alerts.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(CliConsole console)
    {
        var tz = LedgerOptions.TimeZone();
        var json = new Option<bool>("--json") { Description = "Print JSON with money as decimal strings." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("status", "Spend today and this month (vs the same point of the previous period), budgets, providers and recent alerts.");
        foreach (var option in new Option[] { tz, json, store, config })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            var zone = LedgerOptions.ParseTimeZone(parse.GetValue(tz));
            var now = TimeProvider.System.GetUtcNow();
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Read, parse.GetValue(config), null, null, ct);
            var analytics = new LedgerAnalytics(stores.Ledger);
            var spend = await analytics.SpendSummaryAsync(LedgerFilter.All, zone, now, ct);
            var statuses = await stores.Gate().GetStatusAsync(ct);
            var runOuts = statuses.Count == 0 ? new Dictionary<string, BudgetRunOut>()
                : await BudgetRunOutProjection.ProjectAsync(statuses, stores.Ledger, stores.Rates, now, ct);
            var emergency = await stores.Counters.GetEmergencyAsync(ct);
            var state = await stores.ProviderState.LoadAsync(ct);
            var providers = (await stores.Ledger.QueryAsync(new LedgerQuery { Filter = new LedgerFilter { From = spend.Month.From, To = now }, GroupBy = LedgerDimension.Provider }, ct)).Groups;
            var alerts = await stores.History.QueryAsync(now.AddHours(-24), ct);
            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    time_zone = zone.Id,
                    currency = "USD",
                    spend = new { today = Period(spend.Today), month = Period(spend.Month) },
                    emergency = emergency is null ? null : new { budget_id = emergency.BudgetId, since = emergency.Since, reason = emergency.Reason },
                    budgets = statuses.Select(s => new
                    {
                        id = s.Budget.Id,
                        currency = s.Budget.Currency,
                        limit = Money.Format(s.EffectiveLimit),
                        spent = Money.Format(s.Spent),
                        held = Money.Format(s.Held),
                        remaining = Money.Format(s.Remaining),
                        used = decimal.Round(s.UsedFraction, 4),
                        resets_at = s.ResetsAt,
                        run_out = BudgetRunOutJson.View(runOuts.GetValueOrDefault(s.Budget.Id)),
                    }),
                    providers = providers.Select(p => new
                    {
                        name = p.Key,
                        enabled = p.Key is null || state.IsProviderEnabled(p.Key),
                        month_cost = Money.Format(p.Metrics.Cost),
                        requests = p.Metrics.Requests,
                        success_rate = UsageRatios.SuccessRate(p.Metrics),
                    }),
                    alerts = alerts.Take(10).Select(a => new { id = a.Id, at = a.At, severity = a.Severity.ToString().ToLowerInvariant(), kind = a.Kind, message = a.Message }),
                    alerts_last_24h = alerts.Count,
                }, BudgetJson.Options));
                return 0;
            }

            await console.Out.WriteLineAsync($"Spend ({zone.Id})");
            await BudgetCommands.WriteTableAsync(console, ["", "COST (USD)", "REQUESTS", "SAME POINT BEFORE", "CHANGE"],
            [
                Row("today", spend.Today, "yesterday"),
                Row("this month", spend.Month, "last month"),
            ]);
            await console.Out.WriteLineAsync();
            if (emergency is not null)
            {
                await console.Out.WriteLineAsync($"EMERGENCY MODE since {emergency.Since:yyyy-MM-dd HH:mm}Z: {emergency.Reason}");
            }

            if (statuses.Count == 0)
            {
                await console.Out.WriteLineAsync("Budgets: none defined");
            }
            else
            {
                await console.Out.WriteLineAsync("Budgets");
                await BudgetCommands.WriteTableAsync(console, ["ID", "USED", "REMAINING", "RESETS AT (UTC)", "RUN-OUT P10 / P50 / P90 (UTC)"], statuses.Select(s => new[]
                {
                    s.Budget.Id, s.UsedFraction.ToString("P1", CultureInfo.InvariantCulture), $"{Money.Format(s.Remaining)} {s.Budget.Currency}",
                    s.ResetsAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never",
                    BudgetRunOutJson.Describe(runOuts.GetValueOrDefault(s.Budget.Id)),
                }));
            }

            await console.Out.WriteLineAsync();
            await console.Out.WriteLineAsync(providers.Count == 0 ? "Providers: no calls this month" : "Providers this month");
            if (providers.Count > 0)
            {
                await BudgetCommands.WriteTableAsync(console, ["PROVIDER", "STATE", "COST (USD)", "REQUESTS", "SUCCESS"], providers.Select(p => new[]
                {
                    p.Key ?? CostReport.NoneKey, p.Key is null || state.IsProviderEnabled(p.Key) ? "enabled" : "disabled", Money.Format(p.Metrics.Cost),
                    p.Metrics.Requests.ToString("N0", CultureInfo.InvariantCulture), UsageRatios.SuccessRate(p.Metrics).ToString("P1", CultureInfo.InvariantCulture),
                }));
            }

            await console.Out.WriteLineAsync();
            await console.Out.WriteLineAsync(alerts.Count == 0 ? "Alerts: none in the last 24 h" : $"Alerts in the last 24 h: {alerts.Count} (latest first; 'tollgate alerts' lists all)");
            foreach (var a in alerts.Take(5))
            {
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {a.At.UtcDateTime:yyyy-MM-dd HH:mm}  {a.Severity.ToString().ToUpperInvariant(),-8}  {a.Message}"));
            }

            return 0;
        });
        return command;
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

    private static string[] Row(string name, SpendPeriod p, string before) =>
    [
        name, Money.Format(p.Metrics.Cost), p.Metrics.Requests.ToString("N0", CultureInfo.InvariantCulture),
        $"{Money.Format(p.Previous.Cost)} ({before})",
        p.ChangePercent is { } c ? (c > 0 ? "+" : "") + c.ToString("0.00", CultureInfo.InvariantCulture) + " %" : "-",
    ];
}
