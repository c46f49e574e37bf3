namespace Tollgate.Forecasting;

/// <summary>Repeats the last full season (period 1: the last value). The benchmark every other model must beat.</summary>
internal sealed class SeasonalNaiveModel(int period) : IForecastModel
{
    public string Name => period == 1 ? "naive" : $"seasonal naive ({period})";

    public int MinimumHistory => period;

    public double[] Forecast(ReadOnlySpan<double> history, int horizon)
    {
        var n = history.Length;
        var result = new double[horizon];
        for (var h = 0; h < horizon; h++)
        {
            result[h] = history[n - period + (h % period)];
        }

        return result;
    }
}
