using System.CommandLine;
using System.Globalization;
using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Forecasting;

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
            var gate = stores.Gate();
            var overview = await SystemOverviewReader.ReadAsync(new SystemOverviewSources
            {
                Ledger = stores.Ledger,
                Budgets = gate.GetStatusAsync,
                Rates = stores.Rates,
                Alerts = stores.History,
                Emergency = stores.Counters.GetEmergencyAsync,
                LoadProviderState = stores.ProviderState.LoadAsync,
            }, zone, now, TimeSpan.FromHours(24), ct);
            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(SystemOverviewJson.Serialize(overview));
                return 0;
            }

            var (spend, emergency) = (overview.Spend, overview.Emergency);
            var alerts = overview.Alerts;
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

            if (overview.Budgets.Count == 0)
            {
                await console.Out.WriteLineAsync("Budgets: none defined");
            }
            else
            {
                await console.Out.WriteLineAsync("Budgets");
                await BudgetCommands.WriteTableAsync(console, ["ID", "USED", "REMAINING", "RESETS AT (UTC)", "RUN-OUT P10 / P50 / P90 (UTC)"], overview.Budgets.Select(b => new[]
                {
                    b.Status.Budget.Id, b.Status.UsedFraction.ToString("P1", CultureInfo.InvariantCulture), $"{Money.Format(b.Status.Remaining)} {b.Status.Budget.Currency}",
                    b.Status.ResetsAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never",
                    BudgetRunOutJson.Describe(b.RunOut),
                }));
            }

            await console.Out.WriteLineAsync();
            var providers = overview.Providers;
            await console.Out.WriteLineAsync(providers.Count == 0 ? "Providers: no calls this month" : "Providers this month");
            if (providers.Count > 0)
            {
                await BudgetCommands.WriteTableAsync(console, ["PROVIDER", "STATE", "COST (USD)", "REQUESTS", "SUCCESS"], providers.Select(p => new[]
                {
                    p.Name, p.Enabled ? "enabled" : "disabled", Money.Format(p.Month.Cost),
                    p.Month.Requests.ToString("N0", CultureInfo.InvariantCulture), UsageRatios.SuccessRate(p.Month).ToString("P1", CultureInfo.InvariantCulture),
                }));
            }

            await console.Out.WriteLineAsync();
            await console.Out.WriteLineAsync(alerts.Count == 0 ? "Alerts: none in the last 24 h" : $"Alerts in the last 24 h: {alerts.Count} (latest first; 'tollgate alerts' lists all)");
            foreach (var a in alerts.Take(5).Select(a => a.Alert))
            {
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {a.At.UtcDateTime:yyyy-MM-dd HH:mm}  {a.Severity.ToString().ToUpperInvariant(),-8}  {a.Message}"));
            }

            return 0;
        });
        return command;
    }

    private static string[] Row(string name, SpendPeriod p, string before) =>
    [
        name, Money.Format(p.Metrics.Cost), p.Metrics.Requests.ToString("N0", CultureInfo.InvariantCulture),
        $"{Money.Format(p.Previous.Cost)} ({before})",
        p.ChangePercent is { } c ? (c > 0 ? "+" : "") + c.ToString("0.00", CultureInfo.InvariantCulture) + " %" : "-",
    ];
}
