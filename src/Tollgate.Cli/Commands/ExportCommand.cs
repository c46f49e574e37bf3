using System.CommandLine;
using Spectre.Console;
using Tollgate.Analytics;
using Tollgate.Ledger;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate export</c>: streams ledger records as JSON lines (the import format) or CSV, in constant memory.
/// Writing to a file goes through a temporary file renamed at the end, so a failed export leaves nothing half-written.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(CliConsole console)
    {
        var format = new Option<string>("--format") { Description = "jsonl (default, re-importable) or csv.", DefaultValueFactory = _ => "jsonl" };
        format.AcceptOnlyFromAmong("jsonl", "csv");
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var from = LedgerOptions.From();
        var to = LedgerOptions.To();
        var tz = LedgerOptions.TimeZone();
        var dimensions = new LedgerFilterOptions();
        var tag = new Option<string[]>("--tag") { Description = "Only records with this tag, KEY=VALUE (repeatable; all must match)." };
        var store = CommonOptions.Store();
        var command = new Command("export", "Export ledger records as JSON lines or CSV (streaming).");
        dimensions.AddTo(command);
        foreach (var option in new Option[] { format, output, from, to, tz, tag, store })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) =>
        {
            var zone = LedgerOptions.ParseTimeZone(parse.GetValue(tz));
            var filter = dimensions.Parse(
                parse,
                LedgerOptions.ParseBound(parse.GetValue(from), "--from", zone, isEnd: false),
                LedgerOptions.ParseBound(parse.GetValue(to), "--to", zone, isEnd: true));
            LedgerOptions.CheckRange(filter.From, filter.To);
            var tags = AnalyticsFilterOptions.ParseTags(parse.GetValue(tag));
            var location = CommonOptions.ParseStore(parse.GetValue(store));
            var csv = parse.GetValue(format) == "csv";
            var path = parse.GetValue(output);
            return CliStores.RunLedgerAsync(location, StoreAccess.Read, s => ExportAsync(console, s, filter, tags, csv, path, ct), ct);
        });
        return command;
    }

    private static async Task<int> ExportAsync(CliConsole console, ILedgerStore store, LedgerFilter filter, IReadOnlyList<TagFilter> tags, bool csv, string? path, CancellationToken ct)
    {
        if (path is null)
        {
            await WriteAsync(console.Out, store, filter, tags, csv, null, ct);
            await console.Out.FlushAsync(ct);
            return 0;
        }

        var written = await CliFiles.WriteAtomicallyAsync(path, async writer =>
        {
            if (!console.IsInteractive)
            {
                return await WriteAsync(writer, store, filter, tags, csv, null, ct);
            }

            var expected = (await store.QueryAsync(new LedgerQuery { Filter = filter with { From = null, To = null } }, ct)).Total.Requests;
            var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error) });
            long count = 0;
            await ansi.Progress().AutoClear(true).StartAsync(async context =>
            {
                var task = context.AddTask($"export → {Path.GetFileName(path)}", maxValue: Math.Max(1, expected));
                count = await WriteAsync(writer, store, filter, tags, csv, n => task.Value = n, ct);
                task.Value = task.MaxValue;
            });
            return count;
        });
        await console.Error.WriteLineAsync($"exported {written} records to {path}");
        return 0;
    }

    private static async Task<long> WriteAsync(TextWriter writer, ILedgerStore store, LedgerFilter filter, IReadOnlyList<TagFilter> tags, bool csv, Action<long>? progress, CancellationToken ct)
    {
        if (csv)
        {
            await writer.WriteLineAsync(LedgerCsv.Header);
        }

        long count = 0;
        await foreach (var record in TagFilter.ReadAsync(store, filter, tags, ct))
        {
            await writer.WriteLineAsync(csv ? LedgerCsv.FormatRow(record) : LedgerJsonLines.Serialize(record));
            if (++count % 10_000 == 0)
            {
                progress?.Invoke(count);
            }
        }

        progress?.Invoke(count);
        return count;
    }
}
