using System.CommandLine;
using Tollgate.Ledger;

namespace Tollgate.Cli.Commands;

/// <summary>
/// Hidden developer command for the crash test: appends generated records through a <see cref="LedgerWriter"/>
/// with several concurrent appenders and prints each record's key on its own line as soon as its append has
/// completed (i.e. is durable). The test kills the process with SIGKILL and checks every printed key is stored.
/// </summary>
internal static class LedgerStressCommand
{
    public static Command Create(CliConsole console)
    {
        var count = new Option<int>("--count") { Description = "Records to append.", DefaultValueFactory = _ => 1_000_000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent appenders.", DefaultValueFactory = _ => 8 };
        var store = CommonOptions.Store();
        var command = new Command("ledger-stress", "Append generated records and print each completed key (crash test).") { Hidden = true };
        command.Options.Add(count);
        command.Options.Add(concurrency);
        command.Options.Add(store);
        command.SetAction((parse, ct) => CliStores.RunLedgerAsync(CommonOptions.ParseStore(parse.GetValue(store)), StoreAccess.Write, async s =>
        {
            var runId = Guid.NewGuid().ToString("N")[..8];
            var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
            var total = parse.GetValue(count);
            var next = -1;
            var output = TextWriter.Synchronized(console.Out);
            await using var writer = new LedgerWriter(s, new LedgerWriterOptions { MaxBatchSize = 500 });
            await Task.WhenAll(Enumerable.Range(0, Math.Max(1, parse.GetValue(concurrency))).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < total)
                {
                    var record = new UsageRecord
                    {
                        RequestId = $"stress-{runId}-{i}",
                        Timestamp = start.AddSeconds(i),
                        Provider = "openai",
                        Model = "gpt-4o-mini",
                        Usage = new Costing.Usage { InputTokens = 100, OutputTokens = 10 },
                        TotalCost = 0.0001m,
                    };
                    await writer.AppendAsync(record, ct);
                    output.WriteLine(record.Key.ToString());
                    output.Flush();
                }
            }, ct)));
            return 0;
        }, ct));
        return command;
    }
}
