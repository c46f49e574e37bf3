using System.CommandLine;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Gateway;
using Tollgate.Gateway.Configuration;
using Tollgate.Routing;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate route explain</c>: which provider model the gateway would choose for a request, the ranked alternatives,
/// why each other one was excluded and the order it would try them — computed by the gateway's own router
/// (<see cref="GatewayRouteExplainer"/>) from the same <c>--config</c>, <c>--store</c>, <c>--demo</c> and environment as
/// <c>tollgate serve</c>, so it is what the gateway does. Exits 1 when nothing can serve the request.
/// </summary>
internal static class RouteCommand
{
    public static Command Create(CliConsole console)
    {
        var route = new Command("route", "Explain routing decisions.");
        route.Subcommands.Add(Explain(console));
        return route;
    }

    private static Command Explain(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "Requested model (provider/model pins a provider).", Required = true };
        var input = new Option<long>("--input-tokens") { Description = "Prompt tokens.", DefaultValueFactory = _ => 0 };
        var max = new Option<long>("--max-tokens") { Description = "Maximum output tokens (priced in the worst case).", Required = true };
        var budget = new Option<decimal?>("--budget-limit") { Description = "Per-request limit in USD: candidates whose worst-case cost exceeds it are excluded." };
        var type = new Option<string>("--type") { Description = "chat, embeddings, image or audio (default chat).", DefaultValueFactory = _ => "chat" };
        var vision = new Option<bool>("--vision") { Description = "The request has images." };
        var tools = new Option<bool>("--tools") { Description = "The request uses tools." };
        var jsonSchema = new Option<bool>("--json-schema") { Description = "The request asks for JSON schema output." };
        var minQuality = new Option<int?>("--min-quality") { Description = "Minimum quality tier 1-5 (default: the requested model's)." };
        var exact = new Option<bool>("--exact") { Description = "Only the requested model (any provider), no cheaper substitutes (the gateway's default unless routing.allowSubstitution is set)." };
        var substitute = new Option<bool>("--substitute") { Description = "Allow another model of the same quality or better when it is cheaper (routing.allowSubstitution)." };
        var demo = new Option<bool>("--demo") { Description = "Include the built-in simulated providers, as 'tollgate serve --demo' does." };
        var emergency = new Option<bool>("--emergency") { Description = "Emergency mode: cheapest eligible candidate." };
        var assumeKeys = new Option<bool>("--assume-keys") { Description = "Explain as if every provider had its API key set." };
        var json = new Option<bool>("--json") { Description = "Print {\"chosen\": {…}, \"alternatives\": [{…, \"excluded\"}]}." };
        var (config, store) = (CommonOptions.Config(), CommonOptions.Store());
        var command = new Command("explain", "Show the provider model routing would choose, the ranked alternatives and why others were excluded.");
        foreach (var option in new Option[] { model, input, max, budget, type, vision, tools, jsonSchema, minQuality, exact, substitute, emergency, demo, assumeKeys, json, config, store })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            if (!GenerationTypes.TryParse(parse.GetValue(type), out var generation))
            {
                throw new CliException($"unknown --type '{parse.GetValue(type)}': use chat, embeddings, image or audio");
            }

            if (parse.GetValue(input) < 0 || parse.GetValue(max) < 0)
            {
                throw new CliException("--input-tokens and --max-tokens must not be negative");
            }

            if (parse.GetValue(budget) is <= 0)
            {
                throw new CliException("--budget-limit must be a positive amount in USD, e.g. 0.01");
            }

            if (parse.GetValue(minQuality) is < 1 or > 5)
            {
                throw new CliException("--min-quality must be 1 to 5");
            }

            if (parse.GetValue(exact) && parse.GetValue(substitute))
            {
                throw new CliException("--exact and --substitute contradict each other: pick one");
            }

            // The gateway's own configuration and router: what 'tollgate serve' with the same --config, --store and
            // --demo would do, default included.
            Func<string, string?> environment = parse.GetValue(assumeKeys)
                ? name => name.EndsWith("_KEY", StringComparison.Ordinal) ? "assumed" : Environment.GetEnvironmentVariable(name)
                : Environment.GetEnvironmentVariable;
            GatewayOptions options;
            try
            {
                options = GatewayConfiguration.Load(parse.GetValue(config)?.FullName, new Dictionary<string, string?>
                {
                    ["Store"] = parse.GetValue(store),
                    ["Demo"] = parse.GetValue(demo) ? "true" : null,
                }, environment);
            }
            catch (GatewayConfigurationException ex)
            {
                throw new CliException(ex.Message.Replace(Environment.NewLine, Environment.NewLine + "error: ", StringComparison.Ordinal));
            }

            await using var context = await ProvidersContext.OpenAsync(parse.GetValue(config), string.IsNullOrWhiteSpace(options.Store) ? "sqlite:" + Path.Combine(options.DataDirectory, "tollgate.db") : options.Store, StoreAccess.Write, ct, environment);
            var request = new RouteRequest
            {
                Model = parse.GetValue(model)!,
                Type = generation,
                InputTokens = parse.GetValue(input),
                MaxOutputTokens = parse.GetValue(max),
                BudgetLimit = parse.GetValue(budget),
                NeedsVision = parse.GetValue(vision),
                NeedsTools = parse.GetValue(tools),
                NeedsJsonSchema = parse.GetValue(jsonSchema),
                MinimumQualityTier = parse.GetValue(minQuality),
                AllowSubstitution = parse.GetValue(exact) ? false : parse.GetValue(substitute) ? true : null,
                Emergency = parse.GetValue(emergency) ? true : null,
            };
            GatewayRouteExplanation explanation;
            try
            {
                explanation = await GatewayRouteExplainer.ExplainAsync(options, new GatewayHostSettings { Environment = environment }, context.Store, request, ct);
            }
            catch (GatewayConfigurationException ex)
            {
                throw new CliException(ex.Message.Replace(Environment.NewLine, Environment.NewLine + "error: ", StringComparison.Ordinal));
            }

            var decision = explanation.Decision;
            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(ToJson(decision, explanation.Attempts));
            }
            else
            {
                await console.Out.WriteAsync(decision.Explain());
                if (explanation.Attempts.Count > 0)
                {
                    await console.Out.WriteLineAsync("the gateway tries, in order: " + string.Join(" → ", explanation.Attempts.Select(a => $"{a.Provider}/{a.Model}")));
                }

                if (explanation.Providers.Count == 0)
                {
                    await console.Out.WriteLineAsync("no provider is configured: set OPENAI_API_KEY, ANTHROPIC_API_KEY…, add \"providers\" to --config, or add --demo");
                }
            }

            if (!decision.HasChoice)
            {
                var keysMissing = decision.Alternatives.Any(a => a.Excluded?.StartsWith("no API key", StringComparison.Ordinal) == true);
                throw new CliException(decision.Reason + (keysMissing && !parse.GetValue(assumeKeys) ? " — set the providers' keys, or add --assume-keys to explain as if they were set" : ""));
            }

            return 0;
        });
        return command;
    }

    internal static string ToJson(RouteDecision decision, IReadOnlyList<RouteCandidate> attempts)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            if (decision.Chosen is { } chosen)
            {
                w.WriteStartObject("chosen");
                WriteCandidate(w, chosen, excluded: false);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("chosen");
            }

            w.WriteString("reason", decision.Reason);
            w.WriteStartArray("attempts");
            foreach (var attempt in attempts)
            {
                w.WriteStartObject();
                w.WriteString("provider", attempt.Provider);
                w.WriteString("model", attempt.Model);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("alternatives");
            foreach (var alternative in decision.Alternatives)
            {
                w.WriteStartObject();
                WriteCandidate(w, alternative, excluded: true);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteCandidate(Utf8JsonWriter w, RouteCandidate candidate, bool excluded)
    {
        w.WriteString("provider", candidate.Provider);
        w.WriteString("model", candidate.Model);
        if (candidate.WorstCaseCost is { } cost)
        {
            // Exact decimal, as a JSON number.
            w.WriteNumber("worst_case_cost", decimal.Parse(Money.Format(cost), System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNull("worst_case_cost");
        }

        if (candidate.Score is { } score)
        {
            w.WriteNumber("score", score);
        }
        else
        {
            w.WriteNull("score");
        }

        w.WriteNumber("confidence", candidate.Confidence);
        if (excluded)
        {
            if (candidate.Excluded is { } reason)
            {
                w.WriteString("excluded", reason);
            }
            else
            {
                w.WriteNull("excluded");
            }
        }
    }
}
