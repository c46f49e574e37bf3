using System.CommandLine;
using Tollgate.Forecasting;
using Tollgate.Pricing;
using Tollgate.Reports;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate report --from --to [--tz] --format md|html|json -o FILE</c>: summary, trend chart, breakdowns, model
/// comparison, usage patterns and budgets in one document; the HTML is a single self-contained file.
/// </summary>
internal static class ReportCommand
{
    public static Command Create(CliConsole console)
    {
        var filters = new LedgerFilterOptions();
        var from = LedgerOptions.From();
        from.Description = "Start of the range (default: 30 days before --to). " + from.Description;
        var to = LedgerOptions.To();
        to.Description = "End of the range (default: now). " + to.Description;
        var tz = LedgerOptions.TimeZone();
        var format = new Option<string>("--format") { Description = "md, html (one self-contained file with SVG charts) or json (default md).", DefaultValueFactory = _ => "md" };
        format.AcceptOnlyFromAmong("md", "html", "json");
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var prices = new Option<string[]>("--prices") { Description = "Price file(s) in the genai-prices v2 format used to reprice cache savings, over the built-in catalog." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("report", "Write a spend report (summary, trend, breakdowns, model comparison, patterns, budgets) as Markdown, HTML or JSON.");
        foreach (var option in new Option[] { from, to, tz, format, output, prices, store, config })
        {
            command.Options.Add(option);
        }

        filters.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var zone = LedgerOptions.ParseTimeZone(parse.GetValue(tz));
            var now = TimeProvider.System.GetUtcNow();
            var end = LedgerOptions.ParseBound(parse.GetValue(to), "--to", zone, isEnd: true) ?? now;
            var start = LedgerOptions.ParseBound(parse.GetValue(from), "--from", zone, isEnd: false) ?? end.AddDays(-30);
            LedgerOptions.CheckRange(start, end);
            var options = PriceCommand.LoadOptions(parse.GetValue(config), parse.GetValue(prices) ?? [], []);
            using var source = PriceCommand.CreateSource(options);
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Read, parse.GetValue(config), null, null, ct);
            var statuses = await stores.Gate().GetStatusAsync(ct);
            IReadOnlyDictionary<string, BudgetRunOut> runOuts = statuses.Count == 0 ? new Dictionary<string, BudgetRunOut>()
                : await BudgetRunOutProjection.ProjectAsync(statuses, stores.Ledger, stores.Rates, now, ct);
            var outcome = await SpendReportBuilder.BuildAsync(
                stores.Ledger, filters.Parse(parse, start, end), zone, now, new CostEngine(source, options), statuses, runOuts, cancellationToken: ct);
            var report = outcome.Value ?? throw new CliException(outcome.Error!);
            var text = parse.GetValue(format) switch
            {
                "html" => SpendReportHtml.Render(report),
                "json" => SpendReportJson.Serialize(report) + "\n",
                _ => SpendReportMarkdown.Render(report),
            };
            if (parse.GetValue(output) is not { } path)
            {
                await console.Out.WriteAsync(text);
                return 0;
            }

            await CliFiles.WriteAtomicallyAsync(path, text, ct);
            await console.Error.WriteLineAsync($"wrote {Path.GetFullPath(path)}");
            return 0;
        });
        return command;
    }
}
