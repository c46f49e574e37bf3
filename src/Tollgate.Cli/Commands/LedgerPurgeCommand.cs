using System.CommandLine;
using System.Globalization;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate ledger purge --before DATE [--dry-run]</c>: removes raw ledger records older than a date. Rollups keep
/// their totals, so <c>tollgate cost</c> and every report are unchanged; records older than the date are refused from then on.
/// </summary>
internal static class LedgerPurgeCommand
{
    public static Command Create(CliConsole console)
    {
        var before = new Option<string>("--before") { Description = "Remove the raw records before this date (YYYY-MM-DD: its start in --tz) or ISO 8601 timestamp.", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only say how many records (and how much spend) would be removed." };
        var tz = LedgerOptions.TimeZone();
        var store = CommonOptions.Store();
        var purge = new Command("purge", "Remove raw ledger records older than a date; totals and reports stay exact (the rollups keep them).");
        foreach (var option in new Option[] { before, dryRun, tz, store })
        {
            purge.Options.Add(option);
        }

        purge.SetAction((parse, ct) =>
        {
            var zone = LedgerOptions.ParseTimeZone(parse.GetValue(tz));
            var cutoff = LedgerOptions.ParseBound(parse.GetValue(before), "--before", zone, isEnd: false)!.Value;
            if (cutoff > TimeProvider.System.GetUtcNow())
            {
                throw new CliException($"--before {cutoff:yyyy-MM-dd'T'HH:mm:sszzz} is in the future: the gateway's next records would be refused. Use a past date.");
            }

            var location = CommonOptions.ParseStore(parse.GetValue(store));
            var stamp = cutoff.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            // Read: purging a store that is not there is a mistake to report, not a store to create.
            return CliStores.RunLedgerAsync(location, StoreAccess.Read, async ledger =>
            {
                if (parse.GetValue(dryRun))
                {
                    long count = 0;
                    long nanos = 0;
                    await foreach (var record in ledger.ReadAsync(new LedgerFilter { To = cutoff }, ct))
                    {
                        count++;
                        nanos += record.TotalCostNanos;
                    }

                    await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"would remove {count:N0} raw records before {stamp} ({Money.Format(Money.FromNanos(nanos))} USD of spend; reports keep it). Nothing was changed."));
                    return 0;
                }

                var removed = await ledger.PurgeRawBeforeAsync(cutoff, ct);
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"removed {removed:N0} raw records before {stamp}; totals and reports are unchanged (rollups keep them). Records older than {stamp} are refused from now on."));
                return 0;
            }, ct);
        });
        return new Command("ledger", "Manage the ledger itself (retention).") { purge };
    }
}
