using System.CommandLine;
using System.Text;
using System.Threading.Channels;
using Tollgate.Ledger;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate import FILE</c>: appends JSON-lines records (docs/ledger-format.md) to the ledger. Idempotent: a
/// record whose (request_id, attempt) is already stored is skipped, so importing a file twice changes nothing.
/// A malformed line is reported with its number and nothing of it is stored; the good lines are imported and the
/// command exits with 1, so fixing the bad lines and importing the same file again completes it.
/// </summary>
internal static class ImportCommand
{
    private const int BatchSize = 10_000;
    private const int MaxReportedErrors = 50;

    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("file") { Description = "JSON-lines file to import, or - for standard input." };
        var store = CommonOptions.Store();
        var command = new Command("import", "Import usage records (JSON lines) into the ledger; re-importing changes nothing.");
        command.Arguments.Add(file);
        command.Options.Add(store);
        command.SetAction((parse, ct) => RunAsync(console, parse.GetValue(file)!, CommonOptions.ParseStore(parse.GetValue(store)), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, string file, Storage.StoreLocation location, CancellationToken ct)
    {
        TextReader reader;
        if (file == "-")
        {
            reader = console.In;
        }
        else if (!File.Exists(file))
        {
            throw new CliException($"file '{file}' does not exist");
        }
        else
        {
            reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, new FileStreamOptions { BufferSize = 1 << 16 });
        }

        try
        {
            return await CliStores.RunLedgerAsync(location, StoreAccess.Write, store => ImportAsync(console, reader, store, ct), ct);
        }
        finally
        {
            if (!ReferenceEquals(reader, console.In))
            {
                reader.Dispose();
            }
        }
    }

    private static async Task<int> ImportAsync(CliConsole console, TextReader reader, ILedgerStore store, CancellationToken ct)
    {
        // Parsing and storing overlap: one task reads and validates lines, the other appends full batches.
        var batches = Channel.CreateBounded<List<UsageRecord>>(2);
        long badLines = 0, lines = 0;
        var producer = Task.Run(async () =>
        {
            try
            {
                var batch = new List<UsageRecord>(BatchSize);
                await foreach (var line in LedgerJsonLines.ReadAsync(reader, ct))
                {
                    lines++;
                    if (line.Record is null)
                    {
                        if (++badLines <= MaxReportedErrors)
                        {
                            await console.Error.WriteLineAsync($"line {line.LineNumber}: {line.Error}");
                        }

                        continue;
                    }

                    batch.Add(line.Record);
                    if (batch.Count == BatchSize)
                    {
                        await batches.Writer.WriteAsync(batch, ct);
                        batch = new List<UsageRecord>(BatchSize);
                    }
                }

                if (batch.Count > 0)
                {
                    await batches.Writer.WriteAsync(batch, ct);
                }

                batches.Writer.Complete();
            }
            catch (Exception ex)
            {
                batches.Writer.Complete(ex);
            }
        }, ct);

        var total = default(LedgerAppendResult);
        await foreach (var batch in batches.Reader.ReadAllAsync(ct))
        {
            total += await store.AppendAsync(batch, ct);
        }

        await producer;
        if (badLines > MaxReportedErrors)
        {
            await console.Error.WriteLineAsync($"... and {badLines - MaxReportedErrors} more malformed lines");
        }

        var summary = $"imported {total.Inserted} new records, {total.Duplicates} already present";
        if (total.Expired > 0)
        {
            summary += $", {total.Expired} older than the retention horizon (skipped)";
        }

        await console.Out.WriteLineAsync(summary);
        if (badLines > 0)
        {
            throw new CliException(
                $"{badLines} malformed line(s) were not imported (see above); fix them and import the file again (records already imported are not doubled)");
        }

        return 0;
    }
}
