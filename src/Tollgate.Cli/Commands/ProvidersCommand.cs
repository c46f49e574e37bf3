using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Routing;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate providers list|enable|disable|prefer|stats</c>: the run-time switches and statistics of the configured
/// providers, stored where <c>tollgate serve</c> reads them (<c>--store</c>), for the providers of <c>--config</c>.
/// </summary>
internal static class ProvidersCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("providers", "List providers, enable or disable them (or one model), set the preferred provider per generation type, show their statistics.");
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Switch(console, enable: true));
        command.Subcommands.Add(Switch(console, enable: false));
        command.Subcommands.Add(Prefer(console));
        command.Subcommands.Add(Stats(console));

        // providers budget (issue: budgets): the global budget shorthand lives with the budget commands.
        command.Subcommands.Add(BudgetCommands.CreateProvidersBudgetCommand(console));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var showDisabled = new Option<bool>("--show-disabled") { Description = "Also list disabled providers." };
        var json = new Option<bool>("--json") { Description = "Print [{\"name\",\"enabled\",\"preferred_for\",\"models\",\"health\"}]." };
        var (config, store) = (CommonOptions.Config(), CommonOptions.Store());
        var command = new Command("list", "List the configured providers: enabled, preferred for, models, health.");
        foreach (var option in new Option[] { showDisabled, json, config, store })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            await using var context = await ProvidersContext.OpenAsync(parse.GetValue(config), parse.GetValue(store), StoreAccess.Write, ct);
            var state = await context.Registry.GetStateAsync(ct);
            var rows = new List<(ProviderDescriptor Provider, bool Enabled, List<string> Preferred, ProviderStats Stats)>();
            foreach (var provider in context.Providers.Descriptors.OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                var enabled = state.IsProviderEnabled(provider.Name);
                if (!enabled && !parse.GetValue(showDisabled))
                {
                    continue;
                }

                var preferred = GenerationTypes.All.Where(t => state.PreferredFor(t) == provider.Name).Select(t => t.ToWireName()).ToList();
                rows.Add((provider, enabled, preferred, await context.Store.GetStatsAsync(provider.Name, cancellationToken: ct)));
            }

            if (parse.GetValue(json))
            {
                using var buffer = new MemoryStream();
                await using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
                {
                    w.WriteStartArray();
                    foreach (var (provider, enabled, preferred, stats) in rows)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", provider.Name);
                        w.WriteBoolean("enabled", enabled);
                        w.WriteBoolean("available", provider.UnavailableReason is null);
                        if (provider.UnavailableReason is { } reason)
                        {
                            w.WriteString("unavailable_reason", reason);
                        }

                        w.WriteStartArray("preferred_for");
                        preferred.ForEach(w.WriteStringValue);
                        w.WriteEndArray();
                        w.WriteStartArray("models");
                        foreach (var model in provider.Models)
                        {
                            w.WriteStringValue(model);
                        }

                        w.WriteEndArray();
                        w.WriteStartArray("disabled_models");
                        foreach (var model in provider.Models.Where(m => !state.IsModelEnabled(provider.Name, m) && enabled))
                        {
                            w.WriteStringValue(model);
                        }

                        w.WriteEndArray();
                        w.WriteStartObject("health");
                        WriteHealth(w, stats);
                        w.WriteEndObject();
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                await console.Out.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
                return 0;
            }

            if (rows.Count == 0)
            {
                await console.Out.WriteLineAsync("no providers (all disabled? add --show-disabled)");
                return 0;
            }

            await console.Out.WriteLineAsync($"{"NAME",-12} {"ENABLED",-8} {"PREFERRED FOR",-16} {"REQUESTS",9} {"SUCCESS",8} {"P50 MS",8}  MODELS / STATUS");
            foreach (var (provider, enabled, preferred, stats) in rows)
            {
                var status = provider.UnavailableReason is { } reason ? $"unavailable: {reason}" : string.Join(", ", provider.Models.Take(4)) + (provider.Models.Count > 4 ? $", +{provider.Models.Count - 4}" : "");
                await console.Out.WriteLineAsync(
                    $"{provider.Name,-12} {(enabled ? "yes" : "no"),-8} {(preferred.Count == 0 ? "-" : string.Join(",", preferred)),-16} {stats.Requests,9} {Percent(stats.SuccessRate),8} {Ms(stats.LatencyP50Milliseconds),8}  {status}");
            }

            return 0;
        });
        return command;
    }

    private static Command Switch(CliConsole console, bool enable)
    {
        var name = new Argument<string>("NAME") { Description = "Provider name, or PROVIDER/MODEL for one model (e.g. openai/gpt-4o)." };
        var (config, store) = (CommonOptions.Config(), CommonOptions.Store());
        var command = new Command(enable ? "enable" : "disable", enable ? "Enable a provider (or one of its models)." : "Disable a provider (or one of its models): routing stops choosing it, here and in 'tollgate serve'.");
        command.Arguments.Add(name);
        command.Options.Add(config);
        command.Options.Add(store);
        command.SetAction(async (parse, ct) =>
        {
            await using var context = await ProvidersContext.OpenAsync(parse.GetValue(config), parse.GetValue(store), StoreAccess.Write, ct);
            var value = parse.GetValue(name)!.Trim();
            var slash = value.IndexOf('/', StringComparison.Ordinal);
            var provider = context.Require(slash > 0 ? value[..slash] : value);
            var verb = enable ? "enabled" : "disabled";
            if (slash > 0)
            {
                var model = value[(slash + 1)..];
                if (model.Length == 0)
                {
                    throw new CliException($"give the model after the slash, e.g. {provider.Name}/gpt-4o");
                }

                await context.Registry.SetModelEnabledAsync(provider.Name, model, enable, ct);
                await new Tollgate.Audit.AuditRecorder(context.Stores.Audit).RecordAsync("cli", enable ? "model.enable" : "model.disable", $"{provider.Name}/{model}", null, new { enabled = enable }, ct);
                await console.Out.WriteLineAsync($"{verb} model {model} on {provider.Name}");
                return 0;
            }

            var was = (await context.Registry.GetStateAsync(ct)).IsProviderEnabled(provider.Name);
            await context.Registry.SetEnabledAsync(provider.Name, enable, ct);
            await new Tollgate.Audit.AuditRecorder(context.Stores.Audit).RecordAsync("cli", enable ? "provider.enable" : "provider.disable", provider.Name, new { enabled = was }, new { enabled = enable }, ct);
            await console.Out.WriteLineAsync($"{verb} {provider.Name}");
            return 0;
        });
        return command;
    }

    private static Command Prefer(CliConsole console)
    {
        var type = new Argument<string>("TYPE") { Description = "chat, embeddings, image or audio." };
        var name = new Argument<string>("NAME") { Description = "Provider to prefer for that type." };
        var (config, store) = (CommonOptions.Config(), CommonOptions.Store());
        var command = new Command("prefer", "Prefer a provider for a generation type: routing picks it unless the budget or its health forbids.");
        command.Arguments.Add(type);
        command.Arguments.Add(name);
        command.Options.Add(config);
        command.Options.Add(store);
        command.SetAction(async (parse, ct) =>
        {
            if (!GenerationTypes.TryParse(parse.GetValue(type), out var generation))
            {
                throw new CliException($"unknown generation type '{parse.GetValue(type)}': use chat, embeddings, image or audio");
            }

            await using var context = await ProvidersContext.OpenAsync(parse.GetValue(config), parse.GetValue(store), StoreAccess.Write, ct);
            var provider = context.Require(parse.GetValue(name)!);
            var previous = (await context.Registry.GetStateAsync(ct)).PreferredFor(generation);
            try
            {
                await context.Registry.PreferAsync(generation, provider.Name, ct);
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ex.Message.Split(" (Parameter", 2)[0]);
            }

            await new Tollgate.Audit.AuditRecorder(context.Stores.Audit).RecordAsync("cli", "provider.prefer", generation.ToWireName(), new { provider = previous }, new { provider = provider.Name }, ct);
            await console.Out.WriteLineAsync($"{provider.Name} is now preferred for {generation.ToWireName()}");
            return 0;
        });
        return command;
    }

    private static Command Stats(CliConsole console)
    {
        var name = new Argument<string>("NAME") { Description = "Provider name." };
        var model = new Option<string?>("--model") { Description = "Only this model." };
        var json = new Option<bool>("--json") { Description = "Print the statistics as JSON." };
        var (config, store) = (CommonOptions.Config(), CommonOptions.Store());
        var command = new Command("stats", "Success rate, latency, requests and cost of a provider (persisted call statistics and the ledger).");
        command.Arguments.Add(name);
        foreach (var option in new Option[] { model, json, config, store })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            await using var context = await ProvidersContext.OpenAsync(parse.GetValue(config), parse.GetValue(store), StoreAccess.Read, ct);
            var provider = context.Require(parse.GetValue(name)!);
            var stats = await context.Store.GetStatsAsync(provider.Name, parse.GetValue(model), ct);
            var ledger = await LedgerTotalsAsync(context.Stores.Ledger, new LedgerFilter { Provider = provider.Name, Model = parse.GetValue(model) }, ct);

            // Routing statistics count every attempt the router made; the ledger holds what was billed. When the
            // router has not recorded anything (calls through another path), fall back to the ledger's counts.
            var fromStats = stats.Requests > 0;
            var requests = fromStats ? stats.Requests : ledger.Requests;
            var failures = fromStats ? stats.Failures : ledger.Errors;
            double? successRate = requests == 0 ? null : (double)(requests - failures) / requests;
            double? mean = fromStats ? stats.MeanLatencyMilliseconds : ledger.Requests == 0 ? null : (double)ledger.LatencyMsSum / ledger.Requests;
            var cost = ledger.Requests > 0 ? ledger.Cost : Money.FromNanos(stats.CostNanos);
            if (parse.GetValue(json))
            {
                using var buffer = new MemoryStream();
                await using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
                {
                    w.WriteStartObject();
                    w.WriteString("provider", provider.Name);
                    if (parse.GetValue(model) is { } m)
                    {
                        w.WriteString("model", m);
                    }

                    w.WriteNumber("requests", requests);
                    w.WriteNumber("successes", requests - failures);
                    w.WriteNumber("failures", failures);
                    WriteNullable(w, "success_rate", successRate);
                    WriteNullable(w, "latency_p50_ms", fromStats ? stats.LatencyP50Milliseconds : null);
                    WriteNullable(w, "latency_p95_ms", fromStats ? stats.LatencyP95Milliseconds : null);
                    WriteNullable(w, "latency_mean_ms", mean is { } x ? Math.Round(x, 1) : null);
                    w.WriteNumber("cost", cost);
                    w.WriteString("currency", "USD");
                    w.WriteString("cost_source", ledger.Requests > 0 ? "ledger" : "provider stats");
                    w.WriteString("counts_source", fromStats ? "provider stats" : "ledger");
                    w.WriteEndObject();
                }

                await console.Out.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
                return 0;
            }

            await console.Out.WriteLineAsync($"provider      {provider.Name}{(parse.GetValue(model) is { } mm ? " / " + mm : "")}");
            await console.Out.WriteLineAsync($"requests      {requests} ({failures} failed)");
            await console.Out.WriteLineAsync($"success rate  {Percent(successRate)}");
            await console.Out.WriteLineAsync($"latency       p50 {Ms(fromStats ? stats.LatencyP50Milliseconds : null)} ms, p95 {Ms(fromStats ? stats.LatencyP95Milliseconds : null)} ms, mean {Ms(mean)} ms");
            await console.Out.WriteLineAsync($"cost          ${Money.Format(cost)} ({(ledger.Requests > 0 ? "ledger" : "provider stats")})");
            return 0;
        });
        return command;
    }

    private static async Task<LedgerMetrics> LedgerTotalsAsync(ILedgerStore ledger, LedgerFilter filter, CancellationToken cancellationToken) =>
        (await ledger.QueryAsync(new LedgerQuery { Filter = filter }, cancellationToken)).Total;

    private static void WriteHealth(Utf8JsonWriter w, ProviderStats stats)
    {
        w.WriteNumber("requests", stats.Requests);
        WriteNullable(w, "success_rate", stats.SuccessRate);
        WriteNullable(w, "latency_p50_ms", stats.LatencyP50Milliseconds);
        WriteNullable(w, "latency_p95_ms", stats.LatencyP95Milliseconds);
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, Math.Round(v, 6));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static string Percent(double? rate) => rate is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";

    private static string Ms(double? ms) => ms is { } m ? m.ToString("0", CultureInfo.InvariantCulture) : "-";
}
