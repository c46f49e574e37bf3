namespace Tollgate.Forecasting;

/// <summary>
/// Holt's linear method with a damped trend (ETS(A,Ad,N)), its smoothing parameters chosen on a small grid by the
/// one-step squared error. Damping keeps a short-lived slope from being extrapolated for the whole horizon.
/// </summary>
internal static class DampedTrend
{
    private static readonly double[] Alphas = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0];
    private static readonly double[] Betas = [0.0, 0.02, 0.05, 0.1, 0.2];
    private static readonly double[] Phis = [0.8, 0.9, 0.95, 0.98];

    public static double[] Forecast(ReadOnlySpan<double> series, int horizon)
    {
        var bestSse = double.PositiveInfinity;
        double bestLevel = series[^1], bestSlope = 0, bestPhi = 0;
        foreach (var alpha in Alphas)
        {
            foreach (var beta in Betas)
            {
                foreach (var phi in beta == 0 ? [0.0] : Phis)
                {
                    var (sse, level, slope) = Run(series, alpha, beta * alpha, phi);
                    if (sse < bestSse)
                    {
                        (bestSse, bestLevel, bestSlope, bestPhi) = (sse, level, slope, phi);
                    }
                }
            }
        }

        var result = new double[horizon];
        var damp = 0.0;
        var power = 1.0;
        for (var h = 0; h < horizon; h++)
        {
            power *= bestPhi;
            damp += power;
            result[h] = bestLevel + (damp * bestSlope);
        }

        return result;
    }

    private static (double Sse, double Level, double Slope) Run(ReadOnlySpan<double> y, double alpha, double beta, double phi)
    {
        var level = y[0];
        var slope = 0.0;
        var sse = 0.0;
        for (var t = 1; t < y.Length; t++)
        {
            var predicted = level + (phi * slope);
            var error = y[t] - predicted;
            if (t > 2)
            {
                sse += error * error;
            }

            var newLevel = predicted + (alpha * error);
            slope = (phi * slope) + (beta * error);
            level = newLevel;
        }

        return (sse, level, slope);
    }
}
