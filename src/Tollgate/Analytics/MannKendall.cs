namespace Tollgate.Analytics;

/// <summary>
/// The Mann–Kendall trend test (with the tie correction of the variance) and Sen's slope: non-parametric, so a few
/// large days do not make a trend, and it needs no assumption of normally distributed costs. Significant at p &lt; 0.05
/// (two-sided, normal approximation, meaningful from about 8 points; fewer are never called significant).
/// </summary>
public static class MannKendall
{
    public const double Alpha = 0.05;
    public const int MinimumPoints = 8;

    public static (double Z, double P, bool Significant) Test(IReadOnlyList<decimal> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        if (n < 3)
        {
            return (0, 1, false);
        }

        long s = 0;
        for (var i = 0; i < n - 1; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                s += Math.Sign(values[j] - values[i]);
            }
        }

        double variance = n * (n - 1.0) * ((2.0 * n) + 5) / 18.0;
        foreach (var tie in values.GroupBy(v => v).Select(g => g.Count()).Where(t => t > 1))
        {
            variance -= tie * (tie - 1.0) * ((2.0 * tie) + 5) / 18.0;
        }

        if (variance <= 0)
        {
            return (0, 1, false);
        }

        var z = s > 0 ? (s - 1) / Math.Sqrt(variance) : s < 0 ? (s + 1) / Math.Sqrt(variance) : 0;
        var p = 2 * (1 - NormalCdf(Math.Abs(z)));
        return (z, p, n >= MinimumPoints && p < Alpha);
    }

    /// <summary>Sen's slope: the median of the slopes between every pair of points, per bucket.</summary>
    public static decimal SenSlope(IReadOnlyList<decimal> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var slopes = new List<decimal>();
        for (var i = 0; i < values.Count - 1; i++)
        {
            for (var j = i + 1; j < values.Count; j++)
            {
                slopes.Add((values[j] - values[i]) / (j - i));
            }
        }

        if (slopes.Count == 0)
        {
            return 0;
        }

        slopes.Sort();
        var mid = slopes.Count / 2;
        return slopes.Count % 2 == 1 ? slopes[mid] : (slopes[mid - 1] + slopes[mid]) / 2;
    }

    /// <summary>Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, absolute error below 1.5e-7).</summary>
    private static double NormalCdf(double x)
    {
        var t = 1 / (1 + (0.3275911 * Math.Abs(x) / Math.Sqrt(2)));
        var erf = 1 - ((((((1.061405429 * t) - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x / 2);
        return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
    }
}
