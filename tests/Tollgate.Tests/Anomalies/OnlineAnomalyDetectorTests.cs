using Tollgate.Anomalies;

namespace Tollgate.Tests.Anomalies;

public sealed class OnlineAnomalyDetectorTests
{
    private static readonly DateTime Start = new(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void ScoreAll_PlantedSpike_ScoresHighest()
    {
        var (times, values) = NoisyDailyWave(3000, seed: 5);
        values[2000] += 8 * 10;

        var scores = OnlineAnomalyDetector.ScoreAll(times, values);

        Assert.Equal(2000, Array.IndexOf(scores, scores.Max()));
        Assert.True(scores[2000] > 0.6, $"spike scored {scores[2000]}");
    }

    [Fact]
    public void ScoreAll_LevelShift_DetectedWithinAFewRows()
    {
        var (times, values) = NoisyDailyWave(3000, seed: 9);
        for (var t = 2000; t < values.Length; t++)
        {
            values[t] += 60;
        }

        var scores = OnlineAnomalyDetector.ScoreAll(times, values);

        var beforeMax = scores[100..2000].Max();
        var firstAbove = Array.FindIndex(scores, 2000, s => s > beforeMax);
        Assert.InRange(firstAbove, 2000, 2005);
    }

    [Fact]
    public void ScoreAll_IsOnline_PrefixScoresDoNotDependOnLaterRows()
    {
        var (times, values) = NoisyDailyWave(1500, seed: 1);

        var full = OnlineAnomalyDetector.ScoreAll(times, values);
        var prefix = OnlineAnomalyDetector.ScoreAll(times[..900], values[..900]);

        Assert.Equal(prefix, full[..900]);
    }

    [Fact]
    public void ScoreAll_FlatLine_AllZeroAndInRange()
    {
        var times = Enumerable.Range(0, 500).Select(i => Start.AddMinutes(5 * i)).ToArray();

        var scores = OnlineAnomalyDetector.ScoreAll(times, Enumerable.Repeat(42.0, 500).ToArray());

        Assert.All(scores, s => Assert.InRange(s, 0.0, 0.2));
    }

    [Fact]
    public void ScoreAll_LastingIncident_OneAlertNotMany()
    {
        var (times, values) = NoisyDailyWave(3000, seed: 4);
        for (var t = 2000; t < 2040; t++)
        {
            values[t] += 100;
        }

        var scores = OnlineAnomalyDetector.ScoreAll(times, values);

        // The incident's first rows hold its highest score; the rest of it stays below: one alert, not forty.
        var onset = scores[2000..2003].Max();
        Assert.All(scores[2003..2040], s => Assert.True(s < onset));
    }

    private static (DateTime[] Times, double[] Values) NoisyDailyWave(int count, int seed)
    {
        var random = new Random(seed);
        var times = Enumerable.Range(0, count).Select(i => Start.AddMinutes(15 * i)).ToArray();
        var values = Enumerable.Range(0, count)
            .Select(t => 100 + (20 * Math.Sin(2 * Math.PI * t / 96)) + (2 * (random.NextDouble() + random.NextDouble() - 1)))
            .ToArray();
        return (times, values);
    }
}
