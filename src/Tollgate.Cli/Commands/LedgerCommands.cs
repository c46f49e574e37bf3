using System.CommandLine;

namespace Tollgate.Cli.Commands;

/// <summary>The ledger command group: <c>import</c>, <c>export</c>, <c>cost</c> (and a hidden load generator for crash tests).</summary>
internal static class LedgerCommands
{
    public static IEnumerable<Command> Create(CliConsole console) =>
    [
        ImportCommand.Create(console),
        ExportCommand.Create(console),
        CostCommand.Create(console),
        LedgerStressCommand.Create(console),
    ];
}
