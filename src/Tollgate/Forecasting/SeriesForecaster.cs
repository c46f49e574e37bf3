namespace Tollgate.Forecasting;

/// <summary>
/// Forecasts a regular series with a validated ensemble. Candidates (naive and seasonal naive, seasonal decomposition
/// plus a damped trend, on the raw and the log scale, for each seasonal period the history covers twice) are scored by
/// rolling-origin cross-validation over the end of the history; the median is the mean of the best
/// <see cref="EnsembleSize"/>. The intervals are the empirical quantiles of the ensemble's own cross-validation errors,
/// scaled per step ahead, so they are as wide as the errors this method made on this series. Too short for
/// cross-validation: the last value, with intervals from the spread of the history's h-step changes.
/// </summary>
public static class SeriesForecaster
{
    /// <summary>How many of the best candidates are averaged (combining a few good forecasts beats picking one).</summary>
    public const int EnsembleSize = 3;

    /// <summary>The most cross-validation origins; each is a forecast from an earlier point of the history.</summary>
    public const int MaxOrigins = 12;

    /// <summary>The fewest points forecast at all.</summary>
    public const int MinimumPoints = 3;

    /// <summary>The most history used: older points barely change a damped, decomposed forecast and cost time.</summary>
    public const int MaxHistory = 5000;

    /// <summary>Forecasts <paramref name="horizon"/> steps after <paramref name="values"/>, a series with the given seasonal periods (in steps).</summary>
    public static Forecast Forecast(IReadOnlyList<double> values, IReadOnlyList<int> seasonalPeriods, int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(values.Count, MinimumPoints);
        var history = values.Skip(Math.Max(0, values.Count - MaxHistory)).ToArray();
        var n = history.Length;
        var nonNegative = history.All(v => v >= 0);
        var positive = history.All(v => v > 0);

        var candidates = Candidates(seasonalPeriods, positive);

        // Cross-validation origins: every half horizon back from the end, each leaving the fitted models enough history.
        var spacing = Math.Max(1, (horizon + 1) / 2);
        var testLength = Math.Min(horizon, Math.Max(1, n / 4));
        var origins = new List<int>();
        for (var j = 0; j < MaxOrigins; j++)
        {
            var origin = n - testLength - (j * spacing);
            if (origin < Math.Max(MinimumPoints, n / 2))
            {
                break;
            }

            origins.Add(origin);
        }

        var usable = candidates.Where(c => origins.Count > 0 && origins.Min() >= c.MinimumHistory).ToList();
        if (origins.Count < 2 || usable.Count == 0)
        {
            return Fallback(history, horizon, nonNegative);
        }

        // forecasts[c][j]: candidate c's forecast from origin j; absolute[c][j]: its summed absolute error there.
        var forecasts = new double[usable.Count][][];
        var absolute = new double[usable.Count][];
        for (var c = 0; c < usable.Count; c++)
        {
            forecasts[c] = new double[origins.Count][];
            absolute[c] = new double[origins.Count];
            for (var j = 0; j < origins.Count; j++)
            {
                var f = usable[c].Forecast(history.AsSpan(0, origins[j]), testLength);
                forecasts[c][j] = f;
                var total = 0.0;
                for (var h = 0; h < testLength; h++)
                {
                    total += Math.Abs(history[origins[j] + h] - f[h]);
                }

                absolute[c][j] = double.IsFinite(total) ? total : double.PositiveInfinity;
            }
        }

        var chosen = Best(absolute, exclude: -1);

        // The interval errors are honest: at each origin the ensemble is the one chosen on the other origins, so the
        // choice does not flatter the errors it is judged by.
        var errors = new double[origins.Count][];
        for (var j = 0; j < origins.Count; j++)
        {
            var members = Best(absolute, exclude: j);
            errors[j] = new double[testLength];
            for (var h = 0; h < testLength; h++)
            {
                var combined = members.Average(c => forecasts[c][j][h]);
                errors[j][h] = history[origins[j] + h] - combined;
            }
        }

        var median = new double[horizon];
        foreach (var c in chosen)
        {
            var f = usable[c].Forecast(history, horizon);
            for (var h = 0; h < horizon; h++)
            {
                median[h] += f[h] / chosen.Length;
            }
        }

        var method = "mean of " + string.Join(", ", chosen.Select(c => usable[c].Name));
        return WithIntervals(median, errors, testLength, nonNegative, method);
    }

    /// <summary>The <see cref="EnsembleSize"/> candidates with the least total error over the origins other than <paramref name="exclude"/>.</summary>
    private static int[] Best(double[][] absolute, int exclude)
    {
        var totals = absolute.Select(a => a.Where((_, j) => j != exclude).Sum()).ToArray();
        return Enumerable.Range(0, totals.Length).OrderBy(c => totals[c]).Take(EnsembleSize).ToArray();
    }

    private static List<IForecastModel> Candidates(IReadOnlyList<int> periods, bool positive)
    {
        var list = new List<IForecastModel> { new SeasonalNaiveModel(1), new DecomposedTrendModel(1, false) };
        foreach (var period in periods.Where(p => p > 1).Distinct())
        {
            list.Add(new SeasonalNaiveModel(period));
            list.Add(new DecomposedTrendModel(period, false));
            if (positive)
            {
                list.Add(new DecomposedTrendModel(period, true));
            }
        }

        return list;
    }

    /// <summary>
    /// Intervals from cross-validation errors: each step ahead has a scale (the mean absolute error at that step, smoothed
    /// over neighbouring steps and never shrinking with the horizon), the errors divided by their scale are pooled, and
    /// their conformal quantiles (rank ⌈(k+1)q⌉ of k) times the scale bound the interval. Beyond the tested steps the scale
    /// grows with the square root of the horizon, as a random walk's spread does.
    /// </summary>
    private static Forecast WithIntervals(double[] median, double[][] errors, int tested, bool nonNegative, string method)
    {
        var horizon = median.Length;
        var raw = new double[tested];
        for (var h = 0; h < tested; h++)
        {
            raw[h] = errors.Average(e => Math.Abs(e[h]));
        }

        var scale = new double[tested];
        for (var h = 0; h < tested; h++)
        {
            var lo = Math.Max(0, h - 2);
            var hi = Math.Min(tested - 1, h + 2);
            var mean = 0.0;
            for (var k = lo; k <= hi; k++)
            {
                mean += raw[k];
            }

            scale[h] = Math.Max(mean / (hi - lo + 1), h > 0 ? scale[h - 1] : 0);
        }

        var floor = scale.Max() * 1e-9;
        if (floor == 0)
        {
            floor = Math.Max(1e-12, median.Select(Math.Abs).DefaultIfEmpty(0).Max() * 1e-9);
        }

        var pooled = new List<double>();
        foreach (var e in errors)
        {
            for (var h = 0; h < tested; h++)
            {
                pooled.Add(e[h] / Math.Max(scale[h], floor));
            }
        }

        pooled.Sort();
        var q = (Func<double, double>)(p => ConformalQuantile(pooled, p));
        var (q025, q10, q90, q975) = (q(0.025), q(0.10), q(0.90), q(0.975));

        var result = new double[5][];
        for (var i = 0; i < 5; i++)
        {
            result[i] = new double[horizon];
        }

        for (var h = 0; h < horizon; h++)
        {
            var s = Math.Max(h < tested ? scale[h] : scale[tested - 1] * Math.Sqrt((h + 1.0) / tested), floor);
            var m = median[h];
            result[0][h] = m;
            result[1][h] = Math.Min(m, m + (s * q10));
            result[2][h] = Math.Max(m, m + (s * q90));
            result[3][h] = Math.Min(result[1][h], m + (s * q025));
            result[4][h] = Math.Max(result[2][h], m + (s * q975));
        }

        if (nonNegative)
        {
            foreach (var row in result)
            {
                for (var h = 0; h < horizon; h++)
                {
                    row[h] = Math.Max(0, row[h]);
                }
            }
        }

        return new Forecast(result[0], result[1], result[2], result[3], result[4], method);
    }

    /// <summary>The value of rank ⌈(k+1)p⌉ (lower tail: ⌊(k+1)p⌋) of the k sorted values, clamped to the ends.</summary>
    private static double ConformalQuantile(List<double> sorted, double p)
    {
        var k = sorted.Count;
        var rank = p >= 0.5 ? (int)Math.Ceiling((k + 1) * p) : (int)Math.Floor((k + 1) * p);
        return sorted[Math.Clamp(rank - 1, 0, k - 1)];
    }

    /// <summary>Too short to validate: the last value, with intervals from the history's changes over h steps.</summary>
    private static Forecast Fallback(double[] history, int horizon, bool nonNegative)
    {
        var n = history.Length;
        var changes = new List<double>();
        for (var t = 1; t < n; t++)
        {
            changes.Add(Math.Abs(history[t] - history[t - 1]));
        }

        changes.Sort();
        var spread80 = ConformalQuantile(changes, 0.80);
        var spread95 = ConformalQuantile(changes, 0.95);
        var last = history[^1];
        var result = new double[5][];
        for (var i = 0; i < 5; i++)
        {
            result[i] = new double[horizon];
        }

        for (var h = 0; h < horizon; h++)
        {
            var growth = Math.Sqrt(h + 1.0);
            result[0][h] = last;
            result[1][h] = last - (spread80 * growth);
            result[2][h] = last + (spread80 * growth);
            result[3][h] = last - (spread95 * growth);
            result[4][h] = last + (spread95 * growth);
            if (nonNegative)
            {
                for (var i = 0; i < 5; i++)
                {
                    result[i][h] = Math.Max(0, result[i][h]);
                }
            }
        }

        return new Forecast(result[0], result[1], result[2], result[3], result[4], "last value (history too short to validate a model)");
    }
}
