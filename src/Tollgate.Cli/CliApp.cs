using System.CommandLine;
using Tollgate.Cli.Commands;

namespace Tollgate.Cli;

/// <summary>The <c>tollgate</c> command tree. Each command group lives in <c>Commands/</c>, one file per group.</summary>
public static class CliApp
{
    public static Command Build(CliConsole console)
    {
        // Named explicitly: a RootCommand takes the name of the file that started the process, which is
        // "Tollgate.Cli" under 'dotnet run' and as an installed dotnet tool; the command is "tollgate" everywhere.
        var root = new Command("tollgate", "Tollgate: LLM cost control. Prices, budgets, routes and records every model call.")
        {
            Options = { new System.CommandLine.Help.HelpOption(), new VersionOption() },
        };
        root.Subcommands.Add(VersionCommand.Create(console));

        root.Subcommands.Add(PriceCommand.Create(console));

        root.Subcommands.Add(TokensCommand.Create(console));

        foreach (var command in LedgerCommands.Create(console))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(BudgetCommands.Create(console));
        root.Subcommands.Add(StatusCommand.Create(console));
        root.Subcommands.Add(ReportCommand.Create(console));
        root.Subcommands.Add(AlertsCommand.Create(console));
        root.Subcommands.Add(AuditCommand.Create(console));
        root.Subcommands.Add(ForecastCommand.Create(console));
        root.Subcommands.Add(AnomaliesCommand.Create(console));

        root.Subcommands.Add(ProvidersCommand.Create(console));
        root.Subcommands.Add(RouteCommand.Create(console));

        // serve / keys (issue: gateway)
        root.Subcommands.Add(ServeCommand.Create(console));
        root.Subcommands.Add(KeysCommand.Create(console));
        root.Subcommands.Add(CompletionCommand.Create(console));
        return root;
    }

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult command) =>
        command.Parent is System.CommandLine.Parsing.CommandResult parent ? CommandPath(parent).Append(command.Command.Name) : ["tollgate"];

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = Build(console);
        var result = root.Parse(args);
        var config = new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false };
        if (result.Errors.Count > 0 && result.UnmatchedTokens.Count == 0 && result.CommandResult.Command is { Action: null, Subcommands.Count: > 0 })
        {
            // 'tollgate' or 'tollgate budget' alone: show what can follow instead of an error.
            await root.Parse([.. args, "--help"]).InvokeAsync(config, cancellationToken);
            return result.CommandResult.Parent is null ? 0 : 1;
        }

        if (result.Errors.Count > 0 && result.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            // System.CommandLine's own messages name .NET types ('System.Nullable`1[System.Int32]'): say what to write instead.
            foreach (var error in result.Errors.Where(e => result.Errors.Count == 1 || !e.Message.StartsWith("Required command was not provided", StringComparison.Ordinal)))
            {
                await console.Error.WriteLineAsync($"error: {Gateway.Configuration.FriendlyTypeNames.Rewrite(error.Message)}");
            }

            await console.Error.WriteLineAsync($"see '{string.Join(' ', CommandPath(result.CommandResult))} --help'");
            return 1;
        }

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
