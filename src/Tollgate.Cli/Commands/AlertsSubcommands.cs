using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Alerts;
using Tollgate.Alerts.Responses;
using Tollgate.Audit;
using Tollgate.Gateway.Alerting;
using Tollgate.Gateway.Configuration;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate alerts test --channel NAME</c> (a test message through a configured channel), <c>alerts ack ID</c>,
/// <c>alerts expected ID</c>, <c>alerts responses</c> and <c>alerts reverse ID</c> — on the gateway's store, so a
/// running gateway sees the change within its refresh (2 s).
/// </summary>
internal static class AlertsSubcommands
{
    public static void AddTo(Command alerts, CliConsole console)
    {
        alerts.Subcommands.Add(Test(console));
        alerts.Subcommands.Add(Feedback(console, "ack", AlertKinds.Acknowledged, "Acknowledge an alert (seen, being handled)."));
        alerts.Subcommands.Add(Feedback(console, "expected", AlertKinds.MarkedExpected, "Mark an alert as expected: not an incident; the anomaly rule's baseline learns its level."));
        alerts.Subcommands.Add(Responses(console));
        alerts.Subcommands.Add(Reverse(console));
    }

    private static Command Test(CliConsole console)
    {
        var channel = new Option<string>("--channel") { Description = "The channel's name in the alerts.channels section.", Required = true };
        var config = CommonOptions.Config();
        var command = new Command("test", "Send a test alert through one configured channel, now, with its retries.") { channel, config };
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(channel)!;
            GatewayOptions options;
            try
            {
                options = GatewayConfiguration.Load(parse.GetValue(config)?.FullName);
            }
            catch (GatewayConfigurationException ex)
            {
                throw new CliException(ex.Message);
            }

            var entry = options.Alerts.Channels.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new CliException(options.Alerts.Channels.Count == 0
                    ? $"no alert channels are configured: add alerts.channels to the configuration (--config), see docs/alerts.md"
                    : $"no alert channel '{name}': configured are {string.Join(", ", options.Alerts.Channels.Select(c => c.Name))}");
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            List<QueuedAlertChannel> built;
            try
            {
                built = AlertChannels.Build([entry], http, NullLoggerFactory.Instance, TimeProvider.System);
            }
            catch (GatewayConfigurationException ex)
            {
                throw new CliException(ex.Message);
            }

            await using var queued = built[0];
            var alert = new Alert
            {
                At = TimeProvider.System.GetUtcNow(),
                Severity = entry.MinSeverity,
                Kind = AlertKinds.Test,
                Message = $"test alert from tollgate through channel '{entry.Name}' ({entry.Type}): delivery works",
            };
            try
            {
                await queued.DeliverNowAsync(alert, ct);
            }
            catch (AlertDeliveryException ex)
            {
                throw new CliException(ex.Message);
            }

            await console.Out.WriteLineAsync($"sent a test alert through channel '{entry.Name}' ({entry.Type.ToLowerInvariant()})");
            return 0;
        });
        return command;
    }

    private static Command Feedback(CliConsole console, string name, string kind, string description)
    {
        var id = new Argument<long>("ID") { Description = "The alert's id (tollgate alerts --json)." };
        var by = new Option<string?>("--by") { Description = "Who is acting (default: the user name)." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command(name, description) { id, by, store, config };
        command.SetAction(async (parse, ct) =>
        {
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Read, parse.GetValue(config), null, null, ct);
            var now = TimeProvider.System.GetUtcNow();
            var target = (await stores.History.QueryAsync(now.AddDays(-366), ct)).FirstOrDefault(a => a.Id == parse.GetValue(id) && !AlertKinds.IsFeedback(a.Kind))
                ?? throw new CliException($"no alert {parse.GetValue(id)}: 'tollgate alerts --hours 720' lists them with their ids (--json)");
            await AlertFeedback.RecordAsync(stores.History, target, kind, parse.GetValue(by) ?? Environment.UserName, now, ct);
            await console.Out.WriteLineAsync($"alert {target.Id} ({target.Kind}) {(kind == AlertKinds.Acknowledged ? "acknowledged" : "marked expected")}");
            return 0;
        });
        return command;
    }

    private static Command Responses(CliConsole console)
    {
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("responses", "Automated responses in force (throttles, refusals, emergency mode started by anomaly rules).") { store, config };
        command.SetAction(async (parse, ct) =>
        {
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Read, parse.GetValue(config), null, null, ct);
            var book = new ResponseBook(stores.History);
            book.RecordIn(stores.Audit);
            await book.RefreshAsync(ct);
            if (book.Active.Count == 0)
            {
                await console.Out.WriteLineAsync("no automated responses in force");
                return 0;
            }

            await BudgetCommands.WriteTableAsync(console, ["ID", "SINCE (UTC)", "UNTIL (UTC)", "ALERT", "RULE", "RESPONSE"], book.Active.Select(r => new[]
            {
                r.Id.ToString(CultureInfo.InvariantCulture), r.AppliedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                r.Until?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "reversal", r.AlertId.ToString(CultureInfo.InvariantCulture), r.Rule, r.Describe(),
            }));
            return 0;
        });
        return command;
    }

    private static Command Reverse(CliConsole console)
    {
        var id = new Argument<long>("ID") { Description = "The response's id (tollgate alerts responses)." };
        var by = new Option<string?>("--by") { Description = "Who is acting (default: the user name)." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("reverse", "Reverse an automated response; running gateways lift it within seconds.") { id, by, store, config };
        command.SetAction(async (parse, ct) =>
        {
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Read, parse.GetValue(config), null, null, ct);
            var book = new ResponseBook(stores.History);
            book.RecordIn(stores.Audit);
            var reversed = await book.ReverseAsync(parse.GetValue(id), parse.GetValue(by) ?? Environment.UserName, ct)
                ?? throw new CliException($"no automated response {parse.GetValue(id)} is in force: 'tollgate alerts responses' lists them");
            if (reversed.Action == ResponseAction.Emergency)
            {
                await stores.Counters.ResetEmergencyAsync(ct);
            }

            await console.Out.WriteLineAsync($"reversed response {reversed.Id}: {reversed.Describe()} no more");
            return 0;
        });
        return command;
    }
}
