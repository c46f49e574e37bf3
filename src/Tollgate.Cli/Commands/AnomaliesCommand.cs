using System.CommandLine;
using System.Text;
using Tollgate.Anomalies;
using Tollgate.TimeSeries;

namespace Tollgate.Cli.Commands;

/// <summary><c>tollgate anomalies score</c>: online anomaly scores of a <c>timestamp,value</c> series.</summary>
internal static class AnomaliesCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("anomalies", "Detect anomalies in a series.");
        command.Subcommands.Add(CreateScore(console));
        return command;
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
