using System.CommandLine;
using System.Globalization;
using Tollgate.Costing;
using Tollgate.Pricing;
using Tollgate.Reconciliation;
using Tollgate.Reconciliation.Matching;
using Tollgate.Reconciliation.Reading;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate reconcile --provider openai|anthropic --usage FILE… [--costs FILE…]</c>: the provider's own usage and cost
/// exports beside the ledger, by UTC day × model × kind, each difference with its cause, and the capture rate.
/// </summary>
internal static class ReconcileCommand
{
    public static Command Create(CliConsole console)
    {
        var provider = new Option<string>("--provider") { Description = "Whose exports these are: openai or anthropic.", Required = true };
        var usage = new Option<string[]>("--usage") { Description = "Usage export file(s): the usage API's pages as returned (one page, a JSON array of pages, or JSON lines) or the console's CSV.", Required = true, AllowMultipleArgumentsPerToken = true };
        var costs = new Option<string[]>("--costs") { Description = "Cost export file(s), in the same forms; without them costs are not compared and the provider's usage is priced at list prices.", AllowMultipleArgumentsPerToken = true };
        var from = LedgerOptions.From();
        from.Description = "First UTC day compared: a date YYYY-MM-DD, or an ISO 8601 timestamp (the days from the one it falls in).";
        var to = LedgerOptions.To();
        to.Description = "Last UTC day compared: a date YYYY-MM-DD includes that whole day; a timestamp is exclusive.";
        var prices = new Option<string[]>("--prices") { Description = "Price file(s) in the genai-prices v2 format, over the built-in catalog (models are matched through the catalog)." };
        var json = new Option<bool>("--json") { Description = "Print JSON with money as decimal strings." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("reconcile", "Compare the provider's usage and cost exports with the ledger: differences by day, model and kind, each with its cause, and the capture rate.");
        foreach (var option in new Option[] { provider, usage, costs, from, to, prices, json, store, config })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(provider)!.Trim().ToLowerInvariant();
            if (name is not ("openai" or "anthropic"))
            {
                throw new CliException($"--provider '{parse.GetValue(provider)}' cannot be reconciled: use openai or anthropic");
            }

            var fromAt = LedgerOptions.ParseBound(parse.GetValue(from), "--from", TimeZoneInfo.Utc, isEnd: false);
            var toAt = LedgerOptions.ParseBound(parse.GetValue(to), "--to", TimeZoneInfo.Utc, isEnd: true);
            LedgerOptions.CheckRange(fromAt, toAt);
            var request = new ReconciliationRequest
            {
                Provider = name,
                Usage = await ReadAsync(parse.GetValue(usage) ?? [], "--usage", ct),
                Costs = await ReadAsync(parse.GetValue(costs) ?? [], "--costs", ct),
                From = fromAt,
                To = toAt,
            };
            var pricing = PriceCommand.LoadOptions(parse.GetValue(config), parse.GetValue(prices) ?? [], []);
            using var source = PriceCommand.CreateSource(pricing);
            var catalog = new CostEngine(source, pricing).Catalog;
            var asJson = parse.GetValue(json);
            return await CliStores.RunLedgerAsync(CommonOptions.ParseStore(parse.GetValue(store)), StoreAccess.Read, async ledger =>
            {
                var outcome = await new Reconciler(catalog).RunAsync(ledger, request, ct);
                var result = outcome.Value ?? throw new CliException(outcome.Error!);
                if (asJson)
                {
                    await console.Out.WriteLineAsync(ReconciliationJson.Serialize(result));
                    return 0;
                }

                await WriteAsync(console, result);
                return 0;
            }, ct);
        });
        return command;
    }

    private static async Task<IReadOnlyList<ProviderFile>> ReadAsync(string[] paths, string option, CancellationToken cancellationToken)
    {
        var files = new List<ProviderFile>();
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw new CliException($"{option} file '{path}' does not exist");
            }

            files.Add(new ProviderFile(path, await File.ReadAllTextAsync(path, cancellationToken)));
        }

        return files;
    }

    private static async Task WriteAsync(CliConsole console, ReconciliationResult result)
    {
        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{result.Provider} {result.FirstDay:yyyy-MM-dd} … {result.LastDay:yyyy-MM-dd}: capture rate {result.CaptureRate:0.0000}   provider {Money.Format(Money.FromNanos(result.ProviderNanos))} USD ({result.ProviderUsdSource})   ledger {Money.Format(Money.FromNanos(result.LedgerNanos))} USD"));
        if (result.Differences.Count == 0)
        {
            await console.Out.WriteLineAsync($"No differences in {result.Cells} day × model cells.");
            return;
        }

        await console.Out.WriteLineAsync();
        await BudgetCommands.WriteTableAsync(console, ["DAY", "MODEL", "KIND", "LEDGER", "PROVIDER", "DELTA", "CAUSE"], result.Differences.Select(d => new[]
        {
            d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Model, ReconcileKinds.Name(d.Kind),
            ReconciliationJson.Figure(d.Kind, d.Ledger), ReconciliationJson.Figure(d.Kind, d.Provider), ReconciliationJson.Figure(d.Kind, d.Delta), d.Cause,
        }));
    }
}
