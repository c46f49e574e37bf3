namespace Tollgate.TimeSeries;

/// <summary>The outcome of reading a series: the data, or an error that says which line to fix.</summary>
public sealed class TimeSeriesParseResult
{
    private TimeSeriesParseResult(TimeSeriesData? series, string? error)
    {
        Series = series;
        Error = error;
    }

    public TimeSeriesData? Series { get; }

    public string? Error { get; }

    public static TimeSeriesParseResult Ok(TimeSeriesData series) => new(series, null);

    public static TimeSeriesParseResult Fail(string error) => new(null, error);
}
