using System.CommandLine;
using System.Text;
using System.Globalization;
using Tollgate.Forecasting;
using Tollgate.Ledger;
using Tollgate.TimeSeries;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate forecast [--by DIM] [--days N | --hours N] [--json]</c>: ledger spend ahead, with the median and 80 % / 95 %
/// intervals, filterable like <c>tollgate cost</c>; <c>tollgate forecast --input FILE --horizon H</c>: the same for any series.
/// </summary>
internal static class ForecastCommand
{
    /// <summary>The longest horizon accepted (about 14 months of hourly steps, 27 years of daily ones).</summary>
    public const int MaxHorizon = 10_000;

    /// <summary>The longest ledger forecast: 90 days or 720 hours (beyond, four weeks of history say little).</summary>
    public const int MaxDays = 90;

    public const int MaxHours = 720;

    public static Command Create(CliConsole console)
    {
        var input = SeriesInput.Create();
        var horizon = new Option<int?>("--horizon", "-H") { Description = $"How many steps ahead to forecast (1–{MaxHorizon}); with --input." };
        var filters = new LedgerFilterOptions();
        var by = LedgerFilterOptions.By("One forecast per provider|model|project|user|tenant|key|api (the 50 largest).");
        var days = new Option<int?>("--days") { Description = "Forecast the next N days, per day (default 7)." };
        var hours = new Option<int?>("--hours") { Description = "Forecast the next N hours, per hour." };
        var json = new Option<bool>("--json") { Description = "Print {\"bucket\",\"currency\",\"groups\":[{\"key\",\"method\",\"total_p50\",\"points\":[…]}]} with money as decimal strings." };
        var store = CommonOptions.Store();
        var command = new Command(
            "forecast",
            "Forecast spend from the ledger (median and 80 %/95 % intervals per hour or day), or any 'timestamp,value' series on a fixed step with --input and --horizon.");
        foreach (var option in new Option[] { input, horizon, by, days, hours, json, store })
        {
            command.Options.Add(option);
        }

        filters.AddTo(command);

        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(input) is not FileInfo file)
            {
                if (parse.GetValue(horizon) is not null)
                {
                    throw new CliException("--horizon goes with --input FILE.csv; forecast the ledger with --days N or --hours N.");
                }

                var filter = filters.Parse(parse);
                var (bucket, periods) = ParsePeriod(parse.GetValue(days), parse.GetValue(hours));
                var dimension = LedgerFilterOptions.ParseBy(parse, by);
                var location = CommonOptions.ParseStore(parse.GetValue(store));
                return await CliStores.RunLedgerAsync(location, StoreAccess.Read, async ledger =>
                {
                    var report = await SpendForecaster.ForecastAsync(ledger, filter, dimension, bucket, periods, TimeProvider.System.GetUtcNow(), ct);
                    await console.Out.WriteAsync(parse.GetValue(json) ? SpendForecastJson.Serialize(report) + "\n" : Describe(report));
                    return 0;
                }, ct);
            }

            if (parse.GetValue(horizon) is not int steps)
            {
                throw new CliException("pass --horizon H: how many steps ahead to forecast.");
            }

            if (steps is < 1 or > MaxHorizon)
            {
                throw new CliException($"--horizon must be between 1 and {MaxHorizon} steps, not {steps}.");
            }

            var data = await SeriesInput.ReadAsync(file, console, ct);
            var (series, error) = RegularSeries.From(data);
            if (series is null)
            {
                throw new CliException($"'{file}': {error}");
            }

            foreach (var note in series.Notes)
            {
                await console.Error.WriteLineAsync($"note: {note}");
            }

            var forecast = SeriesForecaster.Forecast(series.Values, series.SeasonalPeriods, steps);
            await console.Error.WriteLineAsync($"method: {forecast.Method}");
            var output = new StringBuilder((steps + 1) * 96);
            output.Append("timestamp,p50,lo80,hi80,lo95,hi95\n");
            for (var h = 0; h < steps; h++)
            {
                output.Append((series.Last + (series.Step * (h + 1))).ToString(TimeSeriesCsv.TimestampFormat, System.Globalization.CultureInfo.InvariantCulture))
                    .Append(',').Append(TimeSeriesCsv.FormatNumber(forecast.Median[h]))
                    .Append(',').Append(TimeSeriesCsv.FormatNumber(forecast.Lower80[h]))
                    .Append(',').Append(TimeSeriesCsv.FormatNumber(forecast.Upper80[h]))
                    .Append(',').Append(TimeSeriesCsv.FormatNumber(forecast.Lower95[h]))
                    .Append(',').Append(TimeSeriesCsv.FormatNumber(forecast.Upper95[h]))
                    .Append('\n');
            }

            await console.Out.WriteAsync(output.ToString());
            return 0;
        });
        return command;
    }

    private static (TimeBucket Bucket, int Steps) ParsePeriod(int? days, int? hours)
    {
        if (days is not null && hours is not null)
        {
            throw new CliException("pass either --days N or --hours N, not both.");
        }

        if (hours is int h)
        {
            return h is >= 1 and <= MaxHours ? (TimeBucket.Hour, h) : throw new CliException($"--hours must be between 1 and {MaxHours}, not {h}.");
        }

        var d = days ?? 7;
        return d is >= 1 and <= MaxDays ? (TimeBucket.Day, d) : throw new CliException($"--days must be between 1 and {MaxDays}, not {d}.");
    }

    private static string Describe(SpendForecastReport report)
    {
        var text = new StringBuilder();
        if (report.Groups.Count == 0)
        {
            return "no spend in the ledger to forecast from\n";
        }

        var format = report.Bucket == TimeBucket.Hour ? "yyyy-MM-dd HH:00" : "yyyy-MM-dd";
        foreach (var group in report.Groups)
        {
            var f = group.Forecast;
            var name = group.Key.Length == 0 ? (report.Groups.Count == 1 ? "All spend" : "(none)") : group.Key;
            text.AppendLine(CultureInfo.InvariantCulture, $"{name}: {SpendForecastJson.Amount(f.Median.Sum())} {report.Currency} expected over the next {f.Horizon} {(report.Bucket == TimeBucket.Hour ? "hours" : "days")} ({f.Method})");
            text.AppendLine(CultureInfo.InvariantCulture, $"  {"start (UTC)",-16}  {"median",12}  {"80 % interval",27}  {"95 % interval",27}");
            for (var h = 0; h < f.Horizon; h++)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {group.Starts[h].UtcDateTime.ToString(format, CultureInfo.InvariantCulture),-16}  {SpendForecastJson.Amount(f.Median[h]),12}  {SpendForecastJson.Amount(f.Lower80[h]) + " – " + SpendForecastJson.Amount(f.Upper80[h]),27}  {SpendForecastJson.Amount(f.Lower95[h]) + " – " + SpendForecastJson.Amount(f.Upper95[h]),27}");
            }

            text.AppendLine();
        }

        return text.ToString();
    }
}
