using System.CommandLine;
using System.Globalization;
using Tollgate.Costing;
using Tollgate.Pricing;
using Tollgate.Routing;
using Tollgate.Savings;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate recommend --from --to [--json]</c>: ways to spend less, ranked by what they would have saved over the period,
/// then the budgets whose limits do not fit their spend.
/// </summary>
internal static class RecommendCommand
{
    public static Command Create(CliConsole console)
    {
        var filters = new AnalyticsFilterOptions();
        var providers = new Option<string?>("--providers") { Description = "Providers recommendations may move traffic to, comma-separated (default: those that served calls in the period)." };
        var minimum = new Option<decimal?>("--min-saving") { Description = "Recommend only savings of at least this many USD over the period (default 1)." };
        var nonUrgent = new Option<string[]>("--non-urgent-tag") { Description = "KEY=VALUE tag marking traffic that may wait, for batch (repeatable; default priority=batch and urgency=low)." };
        var prices = new Option<string[]>("--prices") { Description = "Price file(s) in the genai-prices v2 format, over the built-in catalog." };
        var config = CommonOptions.Config();
        var command = new Command("recommend", "Ways to spend less — cheaper models and providers, batch — each with the saving the period's own records show; budgets to adjust.");
        foreach (var option in new Option[] { providers, minimum, nonUrgent, prices, config })
        {
            command.Options.Add(option);
        }

        filters.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (filter, _, _) = filters.Parse(parse);
            if (parse.GetValue(minimum) is < 0)
            {
                throw new CliException("--min-saving must not be negative");
            }

            var tags = parse.GetValue(nonUrgent) is { Length: > 0 } given ? given : null;
            foreach (var tag in tags ?? [])
            {
                if (tag.Split('=', 2) is not [{ Length: > 0 }, { Length: > 0 }])
                {
                    throw new CliException($"--non-urgent-tag '{tag}' must be KEY=VALUE, e.g. priority=batch");
                }
            }

            var defaults = new RecommendationOptions();
            var options = defaults with
            {
                MinimumSavingUsd = parse.GetValue(minimum) ?? defaults.MinimumSavingUsd,
                NonUrgentTags = tags ?? defaults.NonUrgentTags,
                Providers = parse.GetValue(providers)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
            var pricingOptions = PriceCommand.LoadOptions(parse.GetValue(config), parse.GetValue(prices) ?? [], []);
            using var source = PriceCommand.CreateSource(pricingOptions);
            var engine = new RecommendationEngine(new CostEngine(source, pricingOptions), CapabilityCatalog.BuiltIn(), options);
            var json = parse.GetValue(filters.Json);
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(filters.StoreOption), StoreAccess.Read, parse.GetValue(config), null, null, ct);
            var outcome = await engine.RecommendAsync(stores.Ledger, filter, ct);
            var budgets = await BudgetAdjustments.FindAsync(stores.Ledger, await stores.Definitions.ListAsync(ct), stores.Rates, TimeProvider.System.GetUtcNow(), ct);
            IReadOnlyList<Recommendation> found = [.. outcome.Value ?? throw new CliException(outcome.Error!), .. budgets];
            if (json)
            {
                await console.Out.WriteLineAsync(RecommendationJson.Serialize(found));
                return 0;
            }

            if (found.Count == 0)
            {
                await console.Out.WriteLineAsync("no recommendation: nothing in the period would have saved enough (see --min-saving)");
                return 0;
            }

            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{found.Count} recommendation(s), {Money.Format(Money.FromNanos(found.Sum(r => r.SavingNanos)))} USD in all (they may overlap):"));
            var rank = 0;
            foreach (var r in found)
            {
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"\n{++rank}. {r.Title}{(r.SavingNanos > 0 ? $" — save {Money.Format(r.Saving)} USD ({r.SavingPercent:0.##} %)" : "")}, {r.Kind}, confidence {r.Confidence}"));
                await console.Out.WriteLineAsync($"   evidence: {string.Join(", ", r.Evidence.Select(e => $"{e.Key} {e.Value}"))}");
                await console.Out.WriteLineAsync($"   action: {r.Action}");
            }

            return 0;
        });
        return command;
    }
}
