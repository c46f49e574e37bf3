using Tollgate.Forecasting;

namespace Tollgate.Tests.Forecasting;

public sealed class SeriesForecasterTests
{
    [Fact]
    public void Forecast_PureSeasonalSeries_ContinuesItExactly()
    {
        var values = Enumerable.Range(0, 24 * 14).Select(t => 100 + (30 * Math.Sin(2 * Math.PI * t / 24)) + (t % 24 == 5 ? 17 : 0)).ToArray();

        var forecast = SeriesForecaster.Forecast(values, [24], 48);

        for (var h = 0; h < 48; h++)
        {
            var t = values.Length + h;
            var expected = 100 + (30 * Math.Sin(2 * Math.PI * t / 24)) + (t % 24 == 5 ? 17 : 0);
            Assert.Equal(expected, forecast.Median[h], 6);
            Assert.Equal(expected, forecast.Lower95[h], 6);
            Assert.Equal(expected, forecast.Upper95[h], 6);
        }
    }

    [Fact]
    public void Forecast_LinearTrend_Extrapolated()
    {
        var values = Enumerable.Range(0, 200).Select(t => 10 + (2.5 * t)).ToArray();

        var forecast = SeriesForecaster.Forecast(values, [], 5);

        // A damped trend bends the line a little; within 2 % of the straight continuation over 5 steps.
        for (var h = 0; h < 5; h++)
        {
            var expected = 10 + (2.5 * (200 + h));
            Assert.InRange(forecast.Median[h], expected * 0.98, expected * 1.02);
        }
    }

    [Fact]
    public void Forecast_NoisySeasonalSeries_IntervalsNestAndCoverAboutTheirLevel()
    {
        var random = new Random(11);
        double Value(int t) => 200 + (40 * Math.Sin(2 * Math.PI * t / 24)) + (10 * Normal(random));
        var covered80 = 0;
        var covered95 = 0;
        var total = 0;
        for (var trial = 0; trial < 20; trial++)
        {
            var series = Enumerable.Range(0, 24 * 20 + 24).Select(Value).ToArray();
            var history = series[..^24];
            var forecast = SeriesForecaster.Forecast(history, [24, 168], 24);
            for (var h = 0; h < 24; h++)
            {
                Assert.True(forecast.Lower95[h] <= forecast.Lower80[h] && forecast.Lower80[h] <= forecast.Median[h]);
                Assert.True(forecast.Median[h] <= forecast.Upper80[h] && forecast.Upper80[h] <= forecast.Upper95[h]);
                var actual = series[history.Length + h];
                covered80 += actual >= forecast.Lower80[h] && actual <= forecast.Upper80[h] ? 1 : 0;
                covered95 += actual >= forecast.Lower95[h] && actual <= forecast.Upper95[h] ? 1 : 0;
                total++;
            }
        }

        Assert.InRange(covered80 / (double)total, 0.72, 0.90);
        Assert.InRange(covered95 / (double)total, 0.89, 0.995);
    }

    [Fact]
    public void Forecast_VeryShortHistory_LastValueWithWideningIntervals()
    {
        var forecast = SeriesForecaster.Forecast([5.0, 7.0, 6.0, 8.0], [], 3);

        Assert.All(forecast.Median, m => Assert.Equal(8.0, m));
        Assert.True(forecast.Upper95[2] - forecast.Lower95[2] > forecast.Upper95[0] - forecast.Lower95[0]);
        Assert.Contains("last value", forecast.Method, StringComparison.Ordinal);
    }

    [Fact]
    public void Forecast_NonNegativeHistory_NeverBelowZero()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 24 * 10).Select(t => t % 24 < 8 ? 0.0 : random.Next(0, 5)).Select(v => (double)v).ToArray();

        var forecast = SeriesForecaster.Forecast(values, [24], 24);

        Assert.All(forecast.Lower95, v => Assert.True(v >= 0));
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
