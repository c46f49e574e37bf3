using System.CommandLine;

namespace Tollgate.Cli.Commands;

/// <summary>The ledger command group: <c>import</c>, <c>export</c>, <c>cost</c>, <c>trend</c>, <c>patterns</c>, <c>compare</c>, <c>whatif</c>, <c>recommend</c>, <c>reconcile</c>, <c>ledger purge</c> (and a hidden load generator for crash tests).</summary>
internal static class LedgerCommands
{
    public static IEnumerable<Command> Create(CliConsole console) =>
    [
        ImportCommand.Create(console),
        ExportCommand.Create(console),
        CostCommand.Create(console),
        TrendCommand.Create(console),
        PatternsCommand.Create(console),
        CompareCommand.Create(console),
        WhatIfCommand.Create(console),
        RecommendCommand.Create(console),
        ReconcileCommand.Create(console),
        LedgerPurgeCommand.Create(console),
        LedgerStressCommand.Create(console),
    ];
}
