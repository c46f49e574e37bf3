using System.CommandLine;
using Tollgate.Gateway;
using Tollgate.Gateway.Configuration;

namespace Tollgate.Cli.Commands;

/// <summary><c>tollgate serve</c>: runs the OpenAI-compatible gateway until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create(CliConsole console)
    {
        var port = new Option<int?>("--port") { Description = $"Port to listen on (default {GatewayOptions.DefaultPort}; 0 = any free port)." };
        var host = new Option<string?>("--host") { Description = "Address to listen on (default 127.0.0.1)." };
        var config = CommonOptions.Config();
        config.Description = "Configuration file, e.g. tollgate.json ({\"port\": 4000, \"providers\": [{\"name\": \"openai\", \"baseUrl\": \"…\", \"apiKeyEnv\": \"OPENAI_API_KEY\"}]}).";
        var store = CommonOptions.Store();
        var redis = new Option<string?>("--redis") { Description = "Redis HOST:PORT shared by several instances for budget holds and rate limits." };
        var demo = new Option<bool>("--demo") { Description = "Add built-in simulated OpenAI and Anthropic providers (priced like the real ones) so everything can be tried without an API key." };
        var data = new Option<string?>("--data") { Description = "Folder for the SQLite file and the generated admin key (default ./data)." };
        var command = new Command("serve", "Run the OpenAI-compatible gateway: keys, budgets, rate limits, routing, pricing and the ledger on every call.");
        foreach (var option in new Option[] { port, host, config, store, redis, demo, data })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>
            {
                ["Port"] = parseResult.GetValue(port)?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Host"] = parseResult.GetValue(host),
                ["Store"] = parseResult.GetValue(store),
                ["Redis"] = parseResult.GetValue(redis),
                ["DataDirectory"] = parseResult.GetValue(data),
                ["Demo"] = parseResult.GetValue(demo) ? "true" : null,
            };
            GatewayHost gateway;
            try
            {
                var options = GatewayConfiguration.Load(parseResult.GetValue(config)?.FullName, overrides);
                gateway = await GatewayHost.StartAsync(options, new GatewayHostSettings(), cancellationToken);
            }
            catch (GatewayConfigurationException ex)
            {
                throw new CliException(ex.Message.Replace(Environment.NewLine, Environment.NewLine + "error: ", StringComparison.Ordinal));
            }

            await using (gateway)
            {
                foreach (var line in gateway.Startup.Lines())
                {
                    await console.Out.WriteLineAsync(line);
                }

                await console.Out.WriteLineAsync("Press Ctrl+C to stop.");
                await console.Out.FlushAsync(cancellationToken);
                // Ctrl+C cancels the token; SIGTERM stops the host through its console lifetime.
                await gateway.WaitForShutdownAsync(cancellationToken);
                await console.Out.WriteLineAsync("stopping: finishing in-flight requests and writing the ledger…");
            }

            return 0;
        });
        return command;
    }
}
