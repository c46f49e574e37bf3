namespace Tollgate.Forecasting;

/// <summary>
/// Seasonal decomposition then a damped trend: the seasonal profile is the median, per phase, of the series minus its
/// centred moving average over the last <see cref="Cycles"/> seasons (robust to outliers and level shifts); the
/// seasonally adjusted series is forecast with <see cref="DampedTrend"/> and the profile added back. On the log scale
/// (positive series only) the season scales with the level, as in spend that grows.
/// </summary>
internal sealed class DecomposedTrendModel(int period, bool logScale) : IForecastModel
{
    private const int Cycles = 8;

    public string Name => period == 1
        ? logScale ? "damped trend (log)" : "damped trend"
        : $"decomposition ({period}) + damped trend{(logScale ? " (log)" : "")}";

    public int MinimumHistory => period == 1 ? 3 : 2 * period + 1;

    public double[] Forecast(ReadOnlySpan<double> history, int horizon)
    {
        var n = history.Length;
        var y = new double[n];
        for (var t = 0; t < n; t++)
        {
            y[t] = logScale ? Math.Log(history[t]) : history[t];
        }

        var profile = period == 1 ? [0.0] : SeasonalProfile(y, period);
        var adjusted = new double[n];
        for (var t = 0; t < n; t++)
        {
            adjusted[t] = y[t] - profile[t % period];
        }

        var trend = DampedTrend.Forecast(adjusted, horizon);
        var result = new double[horizon];
        for (var h = 0; h < horizon; h++)
        {
            var value = trend[h] + profile[(n + h) % period];
            result[h] = logScale ? Math.Exp(value) : value;
        }

        return result;
    }

    /// <summary>Per phase (index mod period): the median of the detrended values of the last cycles, centred on zero.</summary>
    internal static double[] SeasonalProfile(double[] y, int period)
    {
        var n = y.Length;
        var half = period / 2;
        var even = period % 2 == 0;

        // Centred moving average over one period (2×period for an even period), by prefix sums.
        var prefix = new double[n + 1];
        for (var t = 0; t < n; t++)
        {
            prefix[t + 1] = prefix[t] + y[t];
        }

        var byPhase = new List<double>[period];
        for (var p = 0; p < period; p++)
        {
            byPhase[p] = [];
        }

        var first = Math.Max(half, n - half - (Cycles * period));
        for (var t = first; t < n - half; t++)
        {
            double average;
            if (even)
            {
                var inner = prefix[t + half] - prefix[t - half + 1];
                average = (inner + (0.5 * y[t - half]) + (0.5 * y[t + half])) / period;
            }
            else
            {
                average = (prefix[t + half + 1] - prefix[t - half]) / period;
            }

            byPhase[t % period].Add(y[t] - average);
        }

        var profile = new double[period];
        for (var p = 0; p < period; p++)
        {
            profile[p] = byPhase[p].Count == 0 ? 0.0 : Median(byPhase[p]);
        }

        var mean = profile.Average();
        for (var p = 0; p < period; p++)
        {
            profile[p] -= mean;
        }

        return profile;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var m = values.Count / 2;
        return values.Count % 2 == 1 ? values[m] : 0.5 * (values[m - 1] + values[m]);
    }
}
