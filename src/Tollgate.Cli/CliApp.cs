using System.CommandLine;
using Tollgate.Cli.Commands;

namespace Tollgate.Cli;

/// <summary>The <c>tollgate</c> command tree. Each command group lives in <c>Commands/</c>, one file per group.</summary>
public static class CliApp
{
    public static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("Tollgate: LLM cost control. Prices, budgets, routes and records every model call.");
        root.Subcommands.Add(VersionCommand.Create(console));

        root.Subcommands.Add(PriceCommand.Create(console));

        root.Subcommands.Add(TokensCommand.Create(console));

        foreach (var command in LedgerCommands.Create(console))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(BudgetCommands.Create(console));
        root.Subcommands.Add(AlertsCommand.Create(console));
        root.Subcommands.Add(ForecastCommand.Create(console));
        root.Subcommands.Add(AnomaliesCommand.Create(console));

        root.Subcommands.Add(ProvidersCommand.Create(console));
        root.Subcommands.Add(RouteCommand.Create(console));

        // serve / keys (issue: gateway)
        root.Subcommands.Add(ServeCommand.Create(console));
        root.Subcommands.Add(KeysCommand.Create(console));
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = Build(console);
        var result = root.Parse(args);
        var config = new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false };
        try
        {
            return await result.InvokeAsync(config, cancellationToken);
        }
        catch (CliException ex)
        {
            await console.Error.WriteLineAsync($"error: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await console.Error.WriteLineAsync("cancelled");
            return 130;
        }
    }
}
