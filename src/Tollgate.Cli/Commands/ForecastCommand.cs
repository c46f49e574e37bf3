using System.CommandLine;
using System.Text;
using Tollgate.Forecasting;
using Tollgate.TimeSeries;

namespace Tollgate.Cli.Commands;

/// <summary><c>tollgate forecast --input FILE --horizon H</c>: the median and 80 % / 95 % intervals of the next H steps of a series.</summary>
internal static class ForecastCommand
{
    /// <summary>The longest horizon accepted (about 14 months of hourly steps, 27 years of daily ones).</summary>
    public const int MaxHorizon = 10_000;

    public static Command Create(CliConsole console)
    {
        var input = SeriesInput.Create();
        var horizon = new Option<int?>("--horizon", "-H") { Description = $"How many steps ahead to forecast (1–{MaxHorizon}); with --input." };
        var command = new Command(
            "forecast",
            "Forecast a 'timestamp,value' series on a fixed step (--input, --horizon): prints 'timestamp,p50,lo80,hi80,lo95,hi95' for the next H steps.");
        command.Options.Add(input);
        command.Options.Add(horizon);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(input) is not FileInfo file)
            {
                throw new CliException("pass --input FILE.csv (a 'timestamp,value' series) and --horizon H.");
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
}
