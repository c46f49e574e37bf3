using System.CommandLine;
using System.Globalization;
using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate compare [--by model|provider|…|tag:KEY]</c>: groups side by side — cost, success rate, latency p50/p95,
/// cost per request and per 1k (output) tokens, token efficiency, cache hit rate and savings, and an efficiency score.
/// </summary>
internal static class CompareCommand
{
    public static Command Create(CliConsole console)
    {
        var filters = new AnalyticsFilterOptions(tags: true);
        var by = new Option<string>("--by") { Description = "Compare by provider|model|project|user|tenant|key|api|tag:KEY (default model).", DefaultValueFactory = _ => "model" };
        var top = new Option<int?>("--top") { Description = "The N most expensive groups, the rest compared as (other)." };
        var prices = new Option<string[]>("--prices") { Description = "Price file(s) in the genai-prices v2 format used to reprice cache savings, over the built-in catalog." };
        var config = CommonOptions.Config();
        var command = new Command("compare", "Compare models, providers or any dimension side by side: cost, success, latency, token efficiency, cache savings and an efficiency score.");
        foreach (var option in new Option[] { by, top, prices, config })
        {
            command.Options.Add(option);
        }

        filters.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (filter, _, store) = filters.Parse(parse);
            if (!AnalyticsDimension.TryParse(parse.GetValue(by), out var dimension, out var byError))
            {
                throw new CliException("--by: " + byError);
            }

            if (parse.GetValue(top) is <= 0)
            {
                throw new CliException("--top must be a positive number");
            }

            var query = new BreakdownQuery { Filter = filter, Tags = filters.ParseTags(parse), By = dimension, Top = parse.GetValue(top) };
            var options = PriceCommand.LoadOptions(parse.GetValue(config), parse.GetValue(prices) ?? [], []);
            using var source = PriceCommand.CreateSource(options);
            var pricing = new CostEngine(source, options);
            var json = parse.GetValue(filters.Json);
            return await CliStores.RunLedgerAsync(store, StoreAccess.Read, async s =>
            {
                var outcome = await new LedgerAnalytics(s).CompareAsync(query, pricing, ct);
                var comparison = outcome.Value ?? throw new CliException(outcome.Error!);
                if (json)
                {
                    await console.Out.WriteLineAsync(AnalyticsJson.Serialize(comparison, query));
                    return 0;
                }

                await WriteAsync(console, comparison, query);
                return 0;
            }, ct);
        });
        return command;
    }

    private static async Task WriteAsync(CliConsole console, Comparison comparison, BreakdownQuery query)
    {
        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Total: {Money.Format(comparison.Total.Cost)} {comparison.Currency}  ({comparison.Total.Requests:N0} requests), by {query.By}"));
        if (comparison.CacheSavings is { Records: > 0 } saved)
        {
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Prompt caching saved {Money.Format(saved.Net)} (read discount {Money.Format(saved.ReadSavings)}, write premium {Money.Format(saved.WritePremium)}) over {saved.Records:N0} calls"));
        }

        await console.Out.WriteLineAsync();
        string[] header = ["group", "cost", "share", "requests", "success", "p50 ms", "p95 ms", "$/request", "$/1k tok", "$/1k out", "out/in", "reasoning", "cache hit", "cache saved", "score"];
        await BudgetCommands.WriteTableAsync(console, header, comparison.Rows.Select(r => new[]
        {
            r.Key,
            Money.Format(r.Metrics.Cost),
            Percent(UsageRatios.SharePercent(r.Metrics, comparison.Total) / 100),
            r.Metrics.Requests.ToString("N0", CultureInfo.InvariantCulture),
            Percent(UsageRatios.SuccessRate(r.Metrics)),
            r.LatencyP50Ms?.ToString(CultureInfo.InvariantCulture) ?? "-",
            r.LatencyP95Ms?.ToString(CultureInfo.InvariantCulture) ?? "-",
            Money.Format(UsageRatios.AverageCostPerRequest(r.Metrics)),
            Money.Format(UsageRatios.CostPer1kTokens(r.Metrics)),
            Money.Format(UsageRatios.CostPer1kOutputTokens(r.Metrics)),
            UsageRatios.OutputInputRatio(r.Metrics).ToString("0.00", CultureInfo.InvariantCulture),
            Percent(UsageRatios.ReasoningShare(r.Metrics)),
            Percent(UsageRatios.CacheReadShare(r.Metrics)),
            r.CacheSavings is { } s ? Money.Format(s.Net) : "-",
            r.EfficiencyScore.ToString("0.0", CultureInfo.InvariantCulture),
        }));
    }

    private static string Percent(decimal fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}
