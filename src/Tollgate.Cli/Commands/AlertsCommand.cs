using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tollgate.Budgets;

namespace Tollgate.Cli.Commands;

/// <summary><c>tollgate alerts [--hours 24] [--json]</c>: the alert history (subcommands: test, ack, expected, responses, reverse).</summary>
internal static class AlertsCommand
{
    public static Command Create(CliConsole console)
    {
        var hours = new Option<int>("--hours") { Description = "How far back, in hours (default 24).", DefaultValueFactory = _ => 24 };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("alerts", "Alerts that fired recently (budget thresholds, emergency mode).");
        command.Options.Add(hours);
        command.Options.Add(json);
        command.Options.Add(store);
        command.Options.Add(config);
        AlertsSubcommands.AddTo(command, console);
        command.SetAction(async (parse, ct) =>
        {
            var h = parse.GetValue(hours);
            if (h is <= 0 or > 24 * 3660)
            {
                throw new CliException($"--hours {h} must be between 1 and {24 * 3660}");
            }

            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Read, parse.GetValue(config), null, null, ct);
            var alerts = await stores.History.QueryAsync(TimeProvider.System.GetUtcNow().AddHours(-h), ct);
            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(alerts.Select(a => new
                {
                    id = a.Id,
                    at = a.At,
                    severity = a.Severity.ToString().ToUpperInvariant(),
                    kind = a.Kind,
                    budget_id = a.BudgetId,
                    window = a.WindowKey,
                    message = a.Message,
                    details = a.Details,
                }), BudgetJson.Options));
                return 0;
            }

            if (alerts.Count == 0)
            {
                await console.Out.WriteLineAsync($"no alerts in the last {h} h");
                return 0;
            }

            await BudgetCommands.WriteTableAsync(console, ["AT (UTC)", "SEVERITY", "BUDGET", "WINDOW", "MESSAGE"], alerts.Select(a => new[]
            {
                a.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), a.Severity.ToString().ToUpperInvariant(), a.BudgetId ?? "-", a.WindowKey ?? "-", a.Message,
            }));
            return 0;
        });
        return command;
    }
}
