namespace Tollgate.Anomalies;

/// <summary>
/// An online anomaly scorer for one series: each <see cref="Score"/> uses only the rows seen so far. Five views of
/// novelty are ranked against their own recent history, so the score does not depend on the series' scale: the value's
/// level, its jump from the previous value, the mean of the last few values, the distance of the recent pattern to its
/// nearest past pattern, and the change from the same time a day earlier. Each view's tail probability becomes a surprise
/// in [0, 1] (1 = rarer than anything in memory) and the raw score is their mean, so one view's chance rarity does not
/// fire alone while a real incident, rare in several views, does. A row no more surprising than one in the last
/// <see cref="AnomalyDetectorOptions.Cooldown"/> rows is damped: a lasting incident gives one early alert, not many.
/// </summary>
public sealed class OnlineAnomalyDetector
{
    private readonly AnomalyDetectorOptions _options;
    private readonly SortedWindow _levels;
    private readonly SortedWindow _jumps;
    private readonly SortedWindow _means;
    private readonly SortedWindow _patternDistances;
    private readonly SortedWindow _dailyChanges;
    private readonly List<double> _values = [];
    private readonly List<DateTime> _times = [];
    private readonly Queue<double> _recentRaw = new();
    private double _surpriseSum;
    private int _surpriseCount;

    public OnlineAnomalyDetector(AnomalyDetectorOptions? options = null)
    {
        _options = options ?? new AnomalyDetectorOptions();
        if (_options.Memory < 2 || _options.PatternLength < 1 || _options.PatternMemory < 1 || _options.Cooldown < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "memory must be at least 2, pattern length and memory at least 1, cooldown not negative.");
        }

        _levels = new SortedWindow(_options.Memory);
        _jumps = new SortedWindow(_options.Memory);
        _means = new SortedWindow(_options.Memory);
        _patternDistances = new SortedWindow(_options.Memory);
        _dailyChanges = new SortedWindow(_options.Memory);
    }

    /// <summary>Scores a whole series in order with one new detector.</summary>
    public static double[] ScoreAll(IReadOnlyList<DateTime> times, IReadOnlyList<double> values, AnomalyDetectorOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(times.Count, values.Count);
        var detector = new OnlineAnomalyDetector(options);
        var scores = new double[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            scores[i] = detector.Score(times[i], values[i]);
        }

        return scores;
    }

    /// <summary>Adds the next value, observed at <paramref name="time"/>, and returns its anomaly score in [0, 1].</summary>
    public double Score(DateTime time, double value)
    {
        _surpriseSum = 0;
        _surpriseCount = 0;
        if (_values.Count > 0)
        {
            var jump = Math.Abs(value - _values[^1]);
            Observe(_levels, value, twoSided: true);
            Observe(_jumps, jump, twoSided: false);
        }

        var dayAgo = RowNear(time.AddDays(-1));
        _values.Add(value);
        _times.Add(time);

        var w = _options.PatternLength;
        if (_values.Count >= w)
        {
            var mean = 0.0;
            for (var k = _values.Count - w; k < _values.Count; k++)
            {
                mean += _values[k];
            }

            Observe(_means, mean / w, twoSided: true);
        }

        if (NearestPatternDistance() is double distance)
        {
            Observe(_patternDistances, distance, twoSided: false);
        }

        if (dayAgo >= 0)
        {
            Observe(_dailyChanges, Math.Abs(value - _values[dayAgo]), twoSided: false);
        }

        var raw = _values.Count <= _options.WarmUp || _surpriseCount == 0 ? 0.0 : _surpriseSum / _surpriseCount;

        // A row no more surprising than one shortly before belongs to the same incident: damp it.
        var recentMax = 0.0;
        foreach (var r in _recentRaw)
        {
            recentMax = Math.Max(recentMax, r);
        }

        var score = raw > recentMax ? raw : raw * _options.CooldownDamping;
        _recentRaw.Enqueue(raw);
        if (_recentRaw.Count > _options.Cooldown)
        {
            _recentRaw.Dequeue();
        }

        return Math.Clamp(score, 0.0, 1.0);
    }

    /// <summary>Ranks <paramref name="statistic"/> against its history (once there is some), then remembers it.</summary>
    private void Observe(SortedWindow history, double statistic, bool twoSided)
    {
        if (history.Count >= 2)
        {
            var tail = twoSided ? history.TwoSidedTail(statistic) : history.UpperTail(statistic);

            // The surprise is scaled by the full memory, not the history so far, so early rows are not over-confident.
            _surpriseSum += Math.Clamp(-Math.Log(tail) / Math.Log(_options.Memory + 1.0), 0.0, 1.0);
            _surpriseCount++;
        }

        history.Add(statistic);
    }

    /// <summary>The Euclidean distance of the last pattern to the nearest earlier one that does not overlap it; null if none yet.</summary>
    private double? NearestPatternDistance()
    {
        var w = _options.PatternLength;
        var current = _values.Count - w;
        var latestStart = current - w;
        if (latestStart < 0)
        {
            return null;
        }

        var best = double.PositiveInfinity;
        for (var s = Math.Max(0, latestStart - _options.PatternMemory); s <= latestStart; s++)
        {
            var sum = 0.0;
            for (var k = 0; k < w && sum < best; k++)
            {
                var d = _values[s + k] - _values[current + k];
                sum += d * d;
            }

            best = Math.Min(best, sum);
        }

        return Math.Sqrt(best);
    }

    /// <summary>The earlier row observed closest to <paramref name="time"/>, if one lies within a tenth of a day of it; else -1.</summary>
    private int RowNear(DateTime time)
    {
        if (_times.Count == 0 || _times[0] > time + TimeSpan.FromHours(2.4))
        {
            return -1;
        }

        int lo = 0, hi = _times.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_times[mid] < time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        var best = lo > 0 && (time - _times[lo - 1]).Duration() < (_times[lo] - time).Duration() ? lo - 1 : lo;
        return (_times[best] - time).Duration() <= TimeSpan.FromHours(2.4) ? best : -1;
    }
}
