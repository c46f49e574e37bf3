using Tollgate.Ledger;

namespace Tollgate.Anomalies.Live;

/// <summary>
/// Judges the latest window of ledger traffic against the windows before it, per rule and per value of the rule's
/// dimension: expected (the baseline windows' mean, or a level an operator marked expected) against actual, with the
/// USD impact and the value of a second dimension (model, or tenant for model rules) that explains most of the excess.
/// A rule stays silent for a value during its cooldown after firing, so one incident gives one alert. Reads the
/// ledger, so it sees every instance's calls and starts warm after a restart.
/// </summary>
public sealed class LiveAnomalyDetector
{
    /// <summary>The dimensions rules may name.</summary>
    public static readonly string[] Dimensions = ["tenant", "project", "key", "model", "provider"];

    private const string None = "(none)";
    private readonly ILedgerStore _ledger;
    private readonly IReadOnlyList<AnomalyRule> _rules;
    private readonly TimeProvider _time;
    private readonly Dictionary<(string Rule, string Value), DateTimeOffset> _lastFired = [];
    private readonly Dictionary<(string Rule, string Value), (double Level, DateTimeOffset Until)> _learnt = [];
    private readonly Lock _gate = new();

    public LiveAnomalyDetector(ILedgerStore ledger, IReadOnlyList<AnomalyRule> rules, TimeProvider? timeProvider = null)
    {
        foreach (var rule in rules)
        {
            rule.Validate();
        }

        _ledger = ledger;
        _rules = rules;
        _time = timeProvider ?? TimeProvider.System;
    }

    public IReadOnlyList<AnomalyRule> Rules => _rules;

    /// <summary>
    /// Feedback: <paramref name="level"/> (in the rule's unit) is normal for this value until <paramref name="until"/>; the
    /// expected value is raised to it, so the same level no longer fires.
    /// </summary>
    public void Learn(string rule, string value, double level, DateTimeOffset until)
    {
        lock (_gate)
        {
            _learnt[(rule, value)] = (level, until);
        }
    }

    /// <summary>Judges the window ending now; returns the anomalies that fire (cooldowns applied).</summary>
    public async Task<IReadOnlyList<LiveAnomaly>> EvaluateAsync(CancellationToken cancellationToken = default)
    {
        if (_rules.Count == 0)
        {
            return [];
        }

        var now = _time.GetUtcNow();
        var span = _rules.Max(r => r.Window * (r.BaselineWindows + 1));
        var records = new List<UsageRecord>();
        await foreach (var record in _ledger.ReadAsync(new LedgerFilter { From = now - span, To = now }, cancellationToken))
        {
            records.Add(record);
        }

        var found = new List<LiveAnomaly>();
        foreach (var rule in _rules)
        {
            found.AddRange(Evaluate(rule, records, now));
        }

        return found;
    }

    private IEnumerable<LiveAnomaly> Evaluate(AnomalyRule rule, List<UsageRecord> records, DateTimeOffset now)
    {
        var windows = rule.BaselineWindows + 1;
        var causeDimension = rule.Dimension == "model" ? "tenant" : "model";
        var byValue = new Dictionary<string, Series>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            var age = now - record.Timestamp;
            if (age < TimeSpan.Zero)
            {
                age = TimeSpan.Zero;
            }

            var k = (int)(age.Ticks / rule.Window.Ticks);
            if (k >= windows)
            {
                continue;
            }

            var value = ValueOf(record, rule.Dimension);
            if (!byValue.TryGetValue(value, out var series))
            {
                byValue[value] = series = new Series(windows);
            }

            series.Add(k, record, ValueOf(record, causeDimension));
        }

        foreach (var (value, series) in byValue)
        {
            if (Judge(rule, value, series, now) is { } anomaly)
            {
                yield return anomaly with { CauseDimension = causeDimension, CauseValue = series.Cause(rule.Kind, rule.BaselineWindows) };
            }
        }
    }

    private LiveAnomaly? Judge(AnomalyRule rule, string value, Series s, DateTimeOffset now)
    {
        var b = rule.BaselineWindows;
        var withTraffic = 0;
        for (var k = 1; k <= b; k++)
        {
            withTraffic += s.Requests[k] > 0 ? 1 : 0;
        }

        if (withTraffic < rule.MinimumBaselineWindows || s.Requests[0] == 0)
        {
            return null;
        }

        var baseCost = Enumerable.Range(1, b).Select(k => (double)s.Cost[k]).ToArray();
        var expectedCost = (decimal)baseCost.Average();
        double expected;
        double actual;
        bool fires;
        switch (rule.Kind)
        {
            case AnomalyRuleKind.RequestSpike:
                expected = Enumerable.Range(1, b).Average(k => (double)s.Requests[k]);
                actual = s.Requests[0];
                expected = Floor(rule, value, expected, now);
                fires = actual >= rule.Factor * expected;
                break;
            case AnomalyRuleKind.ErrorRateSpike:
                var baseRequests = Enumerable.Range(1, b).Sum(k => s.Requests[k]);
                expected = baseRequests == 0 ? 0 : Enumerable.Range(1, b).Sum(k => s.Errors[k]) / (double)baseRequests;
                actual = s.Errors[0] / (double)s.Requests[0];
                expected = Floor(rule, value, expected, now);
                fires = actual - expected >= rule.ErrorRate;
                break;
            case AnomalyRuleKind.ZScore:
                expected = Floor(rule, value, Median(baseCost), now);
                actual = (double)s.Cost[0];
                var sigma = Math.Max(1.4826 * Median(baseCost.Select(v => Math.Abs(v - Median(baseCost))).ToArray()), Math.Max(0.05 * expected, 1e-9));
                fires = (actual - expected) / sigma >= rule.ZScore;
                break;
            case AnomalyRuleKind.Pattern:
                expected = Floor(rule, value, (double)expectedCost, now);
                actual = (double)s.Cost[0];
                var detector = new OnlineAnomalyDetector(new AnomalyDetectorOptions { Memory = Math.Max(2, b), WarmUp = rule.MinimumBaselineWindows, PatternLength = 1, PatternMemory = Math.Max(1, b), Cooldown = 0 });
                var score = 0.0;
                for (var k = b; k >= 0; k--)
                {
                    score = detector.Score((now - (rule.Window * k)).UtcDateTime, (double)s.Cost[k]);
                }

                fires = score >= rule.Score && actual > expected;
                break;
            default:
                expected = Floor(rule, value, (double)expectedCost, now);
                actual = (double)s.Cost[0];
                fires = actual >= rule.Factor * expected;
                break;
        }

        if (rule.Kind is AnomalyRuleKind.CostSpike or AnomalyRuleKind.ZScore or AnomalyRuleKind.Pattern)
        {
            expectedCost = (decimal)expected;
        }

        var deviation = rule.Kind == AnomalyRuleKind.ErrorRateSpike
            ? (actual - expected) * 100
            : expected > 0 ? (actual - expected) / expected * 100 : double.PositiveInfinity;
        var impact = Math.Max(0m, s.Cost[0] - expectedCost);
        if (!fires || impact < rule.MinImpact || deviation < rule.MinDeviationPercent)
        {
            return null;
        }

        lock (_gate)
        {
            if (_lastFired.TryGetValue((rule.Name, value), out var last) && now - last < TimeSpan.FromSeconds(rule.CooldownSeconds))
            {
                return null;
            }

            _lastFired[(rule.Name, value)] = now;
        }

        return new LiveAnomaly(rule, value, expected, actual, Math.Round(expectedCost, 6), s.Cost[0], Math.Round(impact, 6), deviation, null, null, now - rule.Window, now);
    }

    private double Floor(AnomalyRule rule, string value, double expected, DateTimeOffset now)
    {
        lock (_gate)
        {
            return _learnt.TryGetValue((rule.Name, value), out var learnt) && learnt.Until > now ? Math.Max(expected, learnt.Level) : expected;
        }
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var m = sorted.Length / 2;
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
    }

    private static string ValueOf(UsageRecord record, string dimension) => dimension switch
    {
        "tenant" => record.Tenant,
        "project" => record.Project,
        "key" => record.KeyId,
        "model" => record.Model,
        "provider" => record.Provider,
        _ => null,
    } ?? None;

    /// <summary>Requests, spend and failures per window (0 = the latest), and per value of the cause dimension.</summary>
    private sealed class Series(int windows)
    {
        public long[] Requests { get; } = new long[windows];

        public decimal[] Cost { get; } = new decimal[windows];

        public long[] Errors { get; } = new long[windows];

        private readonly Dictionary<string, (double Now, double Before)> _cost = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (double Now, double Before)> _requests = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (double Now, double Before)> _errors = new(StringComparer.Ordinal);

        public void Add(int k, UsageRecord record, string cause)
        {
            Requests[k]++;
            Cost[k] += record.TotalCost;
            Errors[k] += record.Success ? 0 : 1;
            Bump(_cost, cause, k, (double)record.TotalCost);
            Bump(_requests, cause, k, 1);
            Bump(_errors, cause, k, record.Success ? 0 : 1);
        }

        /// <summary>The cause value with the largest excess of the latest window over its baseline mean.</summary>
        public string? Cause(AnomalyRuleKind kind, int baselineWindows)
        {
            var table = kind switch
            {
                AnomalyRuleKind.RequestSpike => _requests,
                AnomalyRuleKind.ErrorRateSpike => _errors,
                _ => _cost,
            };
            return table.Count == 0 ? null : table.MaxBy(p => p.Value.Now - (p.Value.Before / baselineWindows)).Key;
        }

        private static void Bump(Dictionary<string, (double Now, double Before)> table, string key, int k, double amount)
        {
            var (now, before) = table.GetValueOrDefault(key);
            table[key] = k == 0 ? (now + amount, before) : (now, before + amount);
        }
    }
}
