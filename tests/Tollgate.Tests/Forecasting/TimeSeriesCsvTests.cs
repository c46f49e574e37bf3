using Tollgate.TimeSeries;

namespace Tollgate.Tests.Forecasting;

public sealed class TimeSeriesCsvTests
{
    [Fact]
    public void Read_ValidCsv_KeepsTimestampsAsWritten()
    {
        var result = TimeSeriesCsv.Read(new StringReader("timestamp,value\n2014-02-14 15:00:00,46.5\n2014-02-14 16:00:00,-3e2\n"));

        Assert.Null(result.Error);
        Assert.Equal(["2014-02-14 15:00:00", "2014-02-14 16:00:00"], result.Series!.RawTimestamps);
        Assert.Equal([46.5, -300], result.Series.Values);
        Assert.Equal(new DateTime(2014, 2, 14, 16, 0, 0, DateTimeKind.Utc), result.Series.Timestamps[1]);
    }

    [Theory]
    [InlineData("", "the input is empty")]
    [InlineData("2014-02-14 15:00:00,46.5\n", "line 1: expected the header 'timestamp,value'")]
    [InlineData("timestamp,value\n", "has a header but no rows")]
    [InlineData("timestamp,value\n2014-02-14 15:00:00,abc\n", "line 2: value 'abc' is not a finite number")]
    [InlineData("timestamp,value\n2014-02-14 15:00:00,NaN\n", "line 2: value 'NaN' is not a finite number")]
    [InlineData("timestamp,value\nyesterday,1\n", "line 2: 'yesterday' is not a timestamp")]
    [InlineData("timestamp,value\n2014-02-14 15:00:00,1,2\n", "line 2: expected two fields")]
    public void Read_BadInput_ErrorNamesTheLine(string csv, string message)
    {
        var result = TimeSeriesCsv.Read(new StringReader(csv));

        Assert.Null(result.Series);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }
}
