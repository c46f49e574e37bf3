using System.Globalization;
using Tollgate.Cli.Tests.Ledger;

namespace Tollgate.Cli.Tests.Series;

public sealed class SeriesCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-series-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Forecast_DailySample_HRowsOfNestedIntervalsAtTheNextSteps()
    {
        var input = SharedData.Path("timeseries", "forecasts", "syn_daily_A.csv");
        var last = DateTime.Parse(File.ReadLines(input).Last().Split(',')[0], CultureInfo.InvariantCulture);

        var run = await CliRun.RunAsync("forecast", "--input", input, "--horizon", "7");

        Assert.Equal(0, run.ExitCode);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("timestamp,p50,lo80,hi80,lo95,hi95", lines[0]);
        Assert.Equal(8, lines.Length);
        for (var h = 1; h <= 7; h++)
        {
            var fields = lines[h].Split(',');
            Assert.Equal(last.AddDays(h).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), fields[0]);
            var v = fields[1..].Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            Assert.True(v[3] <= v[1] && v[1] <= v[0] && v[0] <= v[2] && v[2] <= v[4], lines[h]);
        }

        Assert.Contains("method: mean of", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forecast_PureWeeklyPattern_ForecastExactly()
    {
        var pattern = new[] { 10.0, 12, 11, 13, 12, 3, 2 };
        var start = new DateTime(2024, 1, 1);
        var rows = Enumerable.Range(0, 70).Select(d => $"{start.AddDays(d):yyyy-MM-dd},{pattern[d % 7].ToString(CultureInfo.InvariantCulture)}");
        var input = Write("weekly.csv", "timestamp,value\n" + string.Join('\n', rows) + "\n");

        var run = await CliRun.RunAsync("forecast", "--input", input, "--horizon", "14");

        Assert.Equal(0, run.ExitCode);
        var medians = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Enumerable.Range(70, 14).Select(d => pattern[d % 7]), medians.Select(m => Math.Round(m, 6)));
    }

    [Fact]
    public async Task Forecast_FewerPointsThanASeason_FallsBackWithANote()
    {
        var input = Write("short.csv", "timestamp,value\n" + string.Join('\n', Enumerable.Range(0, 10).Select(h => $"2024-01-01 {h:00}:00:00,{h % 3}")) + "\n");

        var run = await CliRun.RunAsync("forecast", "--input", input, "--horizon", "5");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(6, run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("note: a season of 24 steps needs 48 points of history (10 given)", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", "--horizon must be between 1 and 10000 steps, not 0")]
    [InlineData("1000000", "--horizon must be between 1 and 10000 steps, not 1000000")]
    public async Task Forecast_HorizonOutOfRange_ErrorExit1(string horizon, string message)
    {
        var run = await CliRun.RunAsync("forecast", "--input", SharedData.Path("timeseries", "forecasts", "syn_daily_A.csv"), "--horizon", horizon);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Theory]
    [InlineData("", "the input is empty")]
    [InlineData("2024-01-01 00:00:00,1\n", "expected the header 'timestamp,value'")]
    [InlineData("timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 01:00:00,x\n", "line 3: value 'x' is not a finite number")]
    [InlineData("timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 01:00:00,2\n2024-01-01 01:00:00,2\n2024-01-01 02:00:00,2\n", "timestamp '2024-01-01 01:00:00' repeats")]
    [InlineData("timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:30:00,2\n2024-01-01 01:15:00,2\n", "not a whole number of the series' step")]
    public async Task Forecast_BadSeries_ErrorExit1NoStackTrace(string csv, string message)
    {
        var input = Write("bad.csv", csv);

        var run = await CliRun.RunAsync("forecast", "--input", input, "--horizon", "3");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forecast_MissingInputOrHorizon_SaysWhatToPass()
    {
        var noInput = await CliRun.RunAsync("forecast", "--horizon", "3");
        var noHorizon = await CliRun.RunAsync("forecast", "--input", SharedData.Path("timeseries", "forecasts", "syn_daily_A.csv"));

        Assert.Equal(1, noInput.ExitCode);
        Assert.Contains("--horizon goes with --input FILE.csv", noInput.Error, StringComparison.Ordinal);
        Assert.Equal(1, noHorizon.ExitCode);
        Assert.Contains("pass --horizon", noHorizon.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnomaliesScore_NabFile_OneScoreInRangePerRowSameTimestamps()
    {
        var input = SharedData.Path("timeseries", "anomalies", "data", "realTraffic", "speed_7578.csv");
        var rows = File.ReadAllLines(input).Skip(1).Where(l => l.Length > 0).ToArray();

        var run = await CliRun.RunAsync("anomalies", "score", "--input", input);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("timestamp,anomaly_score", lines[0]);
        Assert.Equal(rows.Length, lines.Length - 1);
        for (var i = 0; i < rows.Length; i++)
        {
            var fields = lines[i + 1].Split(',');
            Assert.Equal(rows[i].Split(',')[0], fields[0]);
            Assert.InRange(double.Parse(fields[1], CultureInfo.InvariantCulture), 0.0, 1.0);
        }
    }

    [Fact]
    public async Task AnomaliesScore_PlantedSpikeOnStandardInput_HighestScore()
    {
        var random = new Random(2);
        var start = new DateTime(2024, 1, 1);
        var values = Enumerable.Range(0, 1500).Select(t => 50 + (10 * Math.Sin(2 * Math.PI * t / 288)) + random.NextDouble()).ToArray();
        values[1200] += 40;
        var csv = "timestamp,value\n" + string.Join('\n', values.Select((v, t) => $"{start.AddMinutes(5 * t):yyyy-MM-dd HH:mm:ss},{v.ToString(CultureInfo.InvariantCulture)}")) + "\n";

        var run = await CliRun.RunWithInputAsync(csv, "anomalies", "score", "--input", "-");

        Assert.Equal(0, run.ExitCode);
        var scores = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(1500, scores.Length);
        Assert.Equal(1200, Array.IndexOf(scores, scores.Max()));
    }

    [Fact]
    public async Task AnomaliesScore_NonNumericValue_ErrorExit1()
    {
        var input = Write("bad.csv", "timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,one\n");

        var run = await CliRun.RunAsync("anomalies", "score", "--input", input);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("line 3: value 'one' is not a finite number", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
