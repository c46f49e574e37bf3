using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Anomalies;
using Tollgate.Forecasting;
using Tollgate.TimeSeries;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate anomalies [--from] [--to] [--by DIM] [--json]</c>: past hours of unusual spend in the ledger (a backfill);
/// <c>tollgate anomalies score --input FILE</c>: online anomaly scores of any <c>timestamp,value</c> series.
/// </summary>
internal static class AnomaliesCommand
{
    public static Command Create(CliConsole console)
    {
        var filters = new LedgerFilterOptions();
        var by = LedgerFilterOptions.By("Detect per provider|model|project|user|tenant|key|api (default: the whole filter).");
        var from = LedgerOptions.From();
        from.Description = "Start of the range (default: 7 days ago). " + from.Description;
        var to = LedgerOptions.To();
        to.Description = "End of the range (default: now). " + to.Description;
        var tz = LedgerOptions.TimeZone();
        var threshold = new Option<double?>("--threshold") { Description = $"Report hours scoring at least this (0–1, default {SpendAnomalyScanner.DefaultThreshold.ToString(CultureInfo.InvariantCulture)})." };
        var json = new Option<bool>("--json") { Description = "Print {\"anomalies\":[{\"hour\",\"key\",\"actual\",\"expected\",\"impact\",\"score\"}]} with money as decimal strings." };
        var store = CommonOptions.Store();
        var command = new Command("anomalies", "List past hours of unusual spend in the ledger, with the baseline they broke; 'anomalies score' scores any series.");
        foreach (var option in new Option[] { by, from, to, tz, threshold, json, store })
        {
            command.Options.Add(option);
        }

        filters.AddTo(command);

        command.Subcommands.Add(CreateScore(console));
        command.SetAction(async (parse, ct) =>
        {
            var zone = LedgerOptions.ParseTimeZone(parse.GetValue(tz));
            var now = TimeProvider.System.GetUtcNow();
            var end = LedgerOptions.ParseBound(parse.GetValue(to), "--to", zone, isEnd: true) ?? now;
            var start = LedgerOptions.ParseBound(parse.GetValue(from), "--from", zone, isEnd: false) ?? end.AddDays(-7);
            LedgerOptions.CheckRange(start, end);
            if (end - start > SpendAnomalyScanner.MaxRange || end - start < TimeSpan.FromHours(1))
            {
                throw new CliException("the range from --from to --to must span between one hour and 366 days.");
            }

            var level = parse.GetValue(threshold) ?? SpendAnomalyScanner.DefaultThreshold;
            if (level is < 0 or > 1 || double.IsNaN(level))
            {
                throw new CliException("--threshold must be between 0 and 1.");
            }

            var filter = filters.Parse(parse);
            var dimension = LedgerFilterOptions.ParseBy(parse, by);
            var location = CommonOptions.ParseStore(parse.GetValue(store));
            return await CliStores.RunLedgerAsync(location, StoreAccess.Read, async ledger =>
            {
                var found = await SpendAnomalyScanner.ScanAsync(ledger, filter, dimension, start, end, level, ct);
                await console.Out.WriteAsync(parse.GetValue(json) ? Json(found) + "\n" : Describe(found, start, end));
                return 0;
            }, ct);
        });
        return command;
    }

    private static string Json(IReadOnlyList<SpendAnomaly> found) => JsonSerializer.Serialize(new
    {
        anomalies = found.Select(a => new
        {
            hour = a.Hour,
            key = a.Key.Length == 0 ? null : a.Key,
            actual = SpendForecastJson.Amount(a.Actual),
            expected = SpendForecastJson.Amount(a.Expected),
            impact = SpendForecastJson.Amount(a.Impact),
            score = Math.Round(a.Score, 4),
        }),
    });

    private static string Describe(IReadOnlyList<SpendAnomaly> found, DateTimeOffset start, DateTimeOffset end)
    {
        var range = string.Create(CultureInfo.InvariantCulture, $"{start.UtcDateTime:yyyy-MM-dd HH:mm} to {end.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
        if (found.Count == 0)
        {
            return $"no spend anomalies from {range}\n";
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{found.Count} hour(s) of unusual spend from {range}:");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {"hour (UTC)",-16}  {"group",-20}  {"actual",12}  {"expected",12}  {"impact",12}  {"score",5}");
        foreach (var a in found)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {a.Hour.UtcDateTime.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture),-16}  {(a.Key.Length == 0 ? "(all)" : a.Key),-20}  {SpendForecastJson.Amount(a.Actual),12}  {SpendForecastJson.Amount(a.Expected),12}  {(a.Impact >= 0 ? "+" : "") + SpendForecastJson.Amount(a.Impact),12}  {a.Score.ToString("0.00", CultureInfo.InvariantCulture),5}");
        }

        return text.ToString();
    }

    private static Command CreateScore(CliConsole console)
    {
        var input = SeriesInput.Create();
        input.Required = true;
        var command = new Command(
            "score",
            "Print 'timestamp,anomaly_score' for every row of a 'timestamp,value' CSV, in order: each score in [0, 1] uses only the rows up to and including its own (online).");
        command.Options.Add(input);
        command.SetAction(async (parse, ct) =>
        {
            var series = await SeriesInput.ReadAsync(parse.GetValue(input)!, console, ct);
            var scores = OnlineAnomalyDetector.ScoreAll(series.Timestamps, series.Values);
            var output = new StringBuilder((series.Count + 1) * 32);
            output.Append("timestamp,anomaly_score\n");
            for (var i = 0; i < scores.Length; i++)
            {
                output.Append(series.RawTimestamps[i]).Append(',').Append(TimeSeriesCsv.FormatNumber(scores[i])).Append('\n');
            }

            await console.Out.WriteAsync(output.ToString());
            return 0;
        });
        return command;
    }
}
