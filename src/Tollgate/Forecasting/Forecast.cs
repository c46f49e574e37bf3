namespace Tollgate.Forecasting;

/// <summary>A forecast of the next steps: the median and the central 80 % and 95 % intervals, and how it was made.</summary>
public sealed class Forecast(double[] median, double[] lower80, double[] upper80, double[] lower95, double[] upper95, string method)
{
    public IReadOnlyList<double> Median { get; } = median;

    public IReadOnlyList<double> Lower80 { get; } = lower80;

    public IReadOnlyList<double> Upper80 { get; } = upper80;

    public IReadOnlyList<double> Lower95 { get; } = lower95;

    public IReadOnlyList<double> Upper95 { get; } = upper95;

    /// <summary>The models combined (or the fallback used), for the user and the docs.</summary>
    public string Method { get; } = method;

    public int Horizon => Median.Count;
}
