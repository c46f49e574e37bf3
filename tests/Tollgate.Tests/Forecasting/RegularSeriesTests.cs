using Tollgate.Forecasting;
using Tollgate.TimeSeries;

namespace Tollgate.Tests.Forecasting;

public sealed class RegularSeriesTests
{
    [Fact]
    public void From_HourlySeries_DailyAndWeeklyPeriods()
    {
        var (series, error) = RegularSeries.From(Hourly(24 * 15));

        Assert.Null(error);
        Assert.Equal(TimeSpan.FromHours(1), series!.Step);
        Assert.Equal([24, 168], series.SeasonalPeriods);
    }

    [Fact]
    public void From_FewerPointsThanTwoSeasons_SeasonDroppedAndNoted()
    {
        var (series, _) = RegularSeries.From(Hourly(30));

        Assert.Empty(series!.SeasonalPeriods);
        Assert.Contains(series.Notes, n => n.Contains("season of 24 steps needs 48 points", StringComparison.Ordinal));
    }

    [Fact]
    public void From_MissingSteps_FilledByInterpolation()
    {
        var rows = string.Concat(new[] { 0, 1, 4, 5, 6, 7, 8, 9, 10, 11 }.Select(h => $"2024-01-01 {h:00}:00:00,{h + 1}\n"));

        var (series, error) = RegularSeries.From(Parse("timestamp,value\n" + rows));

        Assert.Null(error);
        Assert.Equal(Enumerable.Range(1, 12).Select(v => (double)v), series!.Values);
        Assert.Contains(series.Notes, n => n.StartsWith("2 missing step(s)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2024-01-01 00:00:00,1\n2024-01-01 01:00:00,2\n2024-01-01 01:00:00,3\n", "row 3: timestamp '2024-01-01 01:00:00' repeats")]
    [InlineData("2024-01-01 00:00:00,1\n2024-01-01 02:00:00,2\n2024-01-01 01:00:00,3\n", "is earlier than")]
    [InlineData("2024-01-01 00:00:00,1\n2024-01-01 01:00:00,2\n2024-01-01 02:30:00,3\n", "not a whole number of the series' step")]
    [InlineData("2024-01-01 00:00:00,1\n2024-01-01 01:00:00,2\n", "at least 3 are needed")]
    [InlineData("2024-01-01 00:00:00,1\n2024-01-01 01:00:00,2\n2024-01-01 09:00:00,3\n", "7 of the 10 steps of 01:00:00 between the first and the last row are missing")]
    public void From_BadTimestamps_ErrorSaysWhatToFix(string rows, string message)
    {
        var (series, error) = RegularSeries.From(Parse("timestamp,value\n" + rows));

        Assert.Null(series);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    private static TimeSeriesData Hourly(int count)
    {
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var times = Enumerable.Range(0, count).Select(i => start.AddHours(i)).ToArray();
        return new TimeSeriesData(times.Select(t => t.ToString("s")).ToArray(), times, Enumerable.Range(0, count).Select(i => (double)i).ToArray());
    }

    private static TimeSeriesData Parse(string csv) => TimeSeriesCsv.Read(new StringReader(csv)).Series!;
}
