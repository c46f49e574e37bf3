namespace Tollgate.TimeSeries;

/// <summary>A series read from a <c>timestamp,value</c> CSV: the timestamps as written (echoed back), parsed (UTC) and the values.</summary>
public sealed class TimeSeriesData(IReadOnlyList<string> rawTimestamps, IReadOnlyList<DateTime> timestamps, IReadOnlyList<double> values)
{
    public IReadOnlyList<string> RawTimestamps { get; } = rawTimestamps;

    public IReadOnlyList<DateTime> Timestamps { get; } = timestamps;

    public IReadOnlyList<double> Values { get; } = values;

    public int Count => Values.Count;
}
