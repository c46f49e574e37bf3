using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Pricing;
using Tollgate.Savings;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate whatif</c>: the period's own usage repriced under another price list (<c>--prices</c>), other discounts
/// (<c>--discounts</c>), or on another model or provider (<c>--map-model A=B</c>, <c>--map-provider A=B</c>).
/// </summary>
internal static class WhatIfCommand
{
    public static Command Create(CliConsole console)
    {
        var filters = new AnalyticsFilterOptions();
        var by = new Option<string>("--by") { Description = "Group by provider|model|project|user|tenant|key|api|tag:KEY (default model).", DefaultValueFactory = _ => "model" };
        var prices = new Option<string[]>("--prices") { Description = "Price file(s) in the genai-prices v2 format for the scenario, over the built-in catalog (and --config's)." };
        var discounts = new Option<FileInfo?>("--discounts") { Description = "JSON file with the scenario's negotiatedDiscounts, batchDiscounts and volumeDiscounts (the pricing section's format); replaces --config's." };
        var mapModel = new Option<string[]>("--map-model") { Description = "FROM=TO: price the calls made on model FROM as if made on TO (repeatable)." };
        var mapProvider = new Option<string[]>("--map-provider") { Description = "FROM=TO: price the calls made through provider FROM as if made through TO (repeatable)." };
        var config = CommonOptions.Config();
        var command = new Command("whatif", "Reprice the period's usage under other prices, discounts, models or providers, beside what it cost.");
        foreach (var option in new Option[] { by, prices, discounts, mapModel, mapProvider, config })
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

            var currentOptions = PriceCommand.LoadOptions(parse.GetValue(config), [], []);
            var scenarioOptions = PriceCommand.LoadOptions(parse.GetValue(config), parse.GetValue(prices) ?? [], []);
            if (parse.GetValue(discounts) is { } file)
            {
                ReadDiscounts(file, scenarioOptions);
            }

            using var currentSource = PriceCommand.CreateSource(currentOptions);
            using var scenarioSource = PriceCommand.CreateSource(scenarioOptions);
            var scenario = new CostEngine(scenarioSource, scenarioOptions);
            var current = new CostEngine(currentSource, currentOptions);
            var query = new WhatIfQuery
            {
                Filter = filter,
                By = dimension,
                ModelMap = ParseMap(parse.GetValue(mapModel) ?? [], "--map-model", to => KnownModel(scenario.Catalog, to)),
                ProviderMap = ParseMap(parse.GetValue(mapProvider) ?? [], "--map-provider", to => scenario.Catalog.FindProvider(to) is not null),
                PricesChangedFor = parse.GetValue(prices) is { Length: > 0 } || parse.GetValue(discounts) is not null
                    ? (provider, model) => !current.PricesAlike(scenario, provider, model)
                    : null,
            };
            var json = parse.GetValue(filters.Json);
            return await CliStores.RunLedgerAsync(store, StoreAccess.Read, async ledger =>
            {
                var outcome = await new WhatIfRepricer(current, scenario).RunAsync(ledger, query, ct);
                var result = outcome.Value ?? throw new CliException(outcome.Error!);
                if (json)
                {
                    await console.Out.WriteLineAsync(WhatIfJson.Serialize(result, dimension.ToString()));
                    return 0;
                }

                await WriteAsync(console, result, dimension.ToString());
                return 0;
            }, ct);
        });
        return command;
    }

    private static bool KnownModel(PriceCatalog catalog, string model) => catalog.Providers.Any(p => catalog.Resolve(p.Id, model).Found);

    private static Dictionary<string, string> ParseMap(string[] pairs, string option, Func<string, bool> known)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new CliException($"{option} '{pair}' must be FROM=TO, e.g. {option} gpt-4o=gpt-4o-mini");
            }

            if (!known(parts[1]))
            {
                throw new CliException($"{option} '{pair}': '{parts[1]}' is not in the price catalog (nor in --prices)");
            }

            if (!map.TryAdd(parts[0], parts[1]))
            {
                throw new CliException($"{option}: '{parts[0]}' is mapped twice");
            }
        }

        return map;
    }

    private static void ReadDiscounts(FileInfo file, PricingOptions options)
    {
        if (!file.Exists)
        {
            throw new CliException($"--discounts file '{file.FullName}' does not exist.");
        }

        PricingOptions? read;
        try
        {
            read = JsonSerializer.Deserialize<PricingOptions>(File.ReadAllText(file.FullName), new JsonSerializerOptions { PropertyNameCaseInsensitive = true, AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new CliException($"--discounts '{file.FullName}': {Gateway.Configuration.FriendlyTypeNames.Rewrite(ex.Message)}");
        }

        if (read is null)
        {
            throw new CliException($"--discounts '{file.FullName}' is empty: give an object such as {{\"negotiatedDiscounts\": [{{\"provider\": \"openai\", \"percent\": 20}}]}}");
        }

        options.NegotiatedDiscounts = read.NegotiatedDiscounts;
        options.BatchDiscounts = read.BatchDiscounts;
        options.VolumeDiscounts = read.VolumeDiscounts;
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new CliException($"--discounts '{file.FullName}': {string.Join(" ", errors)}");
        }
    }

    private static async Task WriteAsync(CliConsole console, WhatIfResult result, string by)
    {
        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Actual: {Money.Format(result.Actual)} USD   What if: {Money.Format(result.WhatIf)} USD   Difference: {(result.WhatIfNanos >= result.ActualNanos ? "+" : "")}{Money.Format(result.Difference)} USD  ({result.Requests:N0} requests)"));
        await console.Out.WriteLineAsync();
        await BudgetCommands.WriteTableAsync(console, [by, "REQUESTS", "ACTUAL", "WHAT IF", "DIFFERENCE", "%"], result.Groups.Select(g => new[]
        {
            g.Key, g.Requests.ToString("N0", CultureInfo.InvariantCulture), Money.Format(g.Actual), Money.Format(g.WhatIf), Money.Format(g.Difference),
            g.DifferencePercent?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-",
        }));
        if (result.Estimated.Requests > 0)
        {
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Apart: {result.Estimated.Requests:N0} estimated records (Tollgate's own count): {Money.Format(result.Estimated.Actual)} USD → {Money.Format(result.Estimated.WhatIf)} USD"));
        }

        if (result.Unpriced > 0 || result.UnpricedInScenario > 0)
        {
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Left out: {result.Unpriced:N0} records unpriced when made; {result.UnpricedInScenario:N0} the scenario cannot price ({Money.Format(Money.FromNanos(result.UnpricedInScenarioActualNanos))} USD actual)"));
        }

        if (result.NotReproduced > 0)
        {
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Note: {result.NotReproduced:N0} records cost {Money.Format(Money.FromNanos(result.NotReproducedDeltaNanos))} USD more than the current prices give (a price change since, a volume tier); their actual cost is the ledger's"));
        }
    }
}
