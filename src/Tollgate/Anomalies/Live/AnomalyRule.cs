using Tollgate.Alerts.Responses;

namespace Tollgate.Anomalies.Live;

/// <summary>One live anomaly rule (configuration <c>alerts.anomalies.rules[]</c>, docs/alerts.md).</summary>
public sealed class AnomalyRule
{
    public string Name { get; set; } = "";

    public AnomalyRuleKind Kind { get; set; } = AnomalyRuleKind.CostSpike;

    /// <summary>The dimension values are compared within: <c>tenant</c>, <c>project</c>, <c>key</c>, <c>model</c> or <c>provider</c>.</summary>
    public string Dimension { get; set; } = "tenant";

    /// <summary>The length of the window judged (and of each baseline window).</summary>
    public double WindowSeconds { get; set; } = 3600;

    /// <summary>How many windows before it form the baseline.</summary>
    public int BaselineWindows { get; set; } = 24;

    /// <summary>Baseline windows with traffic needed before the value is judged (a new tenant is not an anomaly).</summary>
    public int MinimumBaselineWindows { get; set; } = 3;

    /// <summary>Spike rules: the multiple of the baseline mean that fires.</summary>
    public double Factor { get; set; } = 3;

    /// <summary>ZScore rules: robust standard deviations above the median that fire.</summary>
    public double ZScore { get; set; } = 4;

    /// <summary>Pattern rules: the online detector's score that fires, in [0, 1].</summary>
    public double Score { get; set; } = 0.6;

    /// <summary>ErrorRateSpike rules: the rise in the share of failed calls that fires (0.2 = 20 points).</summary>
    public double ErrorRate { get; set; } = 0.2;

    /// <summary>Below this spend over expected (USD) nothing fires.</summary>
    public decimal MinImpact { get; set; } = 1m;

    /// <summary>Below this deviation from expected, in percent (points for error rates), nothing fires.</summary>
    public double MinDeviationPercent { get; set; } = 50;

    /// <summary>Impact at or above which the alert is a warning (else info).</summary>
    public decimal WarningImpact { get; set; } = 10m;

    /// <summary>Impact at or above which the alert is critical.</summary>
    public decimal CriticalImpact { get; set; } = 100m;

    /// <summary>After firing for a dimension value, the same rule stays silent for it this long (one incident, one alert).</summary>
    public double CooldownSeconds { get; set; } = 3600;

    /// <summary>What to do besides alerting.</summary>
    public ResponseAction Response { get; set; } = ResponseAction.Notify;

    /// <summary>For a throttle: requests per minute allowed to the scope.</summary>
    public int ThrottleRpm { get; set; } = 10;

    /// <summary>How long a response lasts unless reversed first; 0 = until an operator reverses it.</summary>
    public double ResponseMinutes { get; set; } = 60;

    public TimeSpan Window => TimeSpan.FromSeconds(WindowSeconds);

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting to fix.</summary>
    public void Validate()
    {
        var where = $"alerts.anomalies.rules '{Name}'";
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("every alerts.anomalies rule needs a name");
        if (LiveAnomalyDetector.Dimensions.All(d => d != Dimension)) throw new ArgumentException($"{where}: dimension must be one of {string.Join(", ", LiveAnomalyDetector.Dimensions)}");
        if (WindowSeconds < 1) throw new ArgumentException($"{where}: windowSeconds must be at least 1");
        if (BaselineWindows < 2 || MinimumBaselineWindows < 1 || MinimumBaselineWindows > BaselineWindows) throw new ArgumentException($"{where}: baselineWindows must be at least 2 and minimumBaselineWindows between 1 and baselineWindows");
        if (Factor <= 1 || ZScore <= 0 || Score is <= 0 or > 1 || ErrorRate is <= 0 or > 1) throw new ArgumentException($"{where}: factor must be above 1, zScore positive, score and errorRate in (0, 1]");
        if (MinImpact < 0 || MinDeviationPercent < 0 || CooldownSeconds < 0) throw new ArgumentException($"{where}: minImpact, minDeviationPercent and cooldownSeconds must not be negative");
        if (Response is ResponseAction.Throttle or ResponseAction.Refuse && Dimension is not ("tenant" or "project" or "key")) throw new ArgumentException($"{where}: a {Response.ToString().ToLowerInvariant()} response needs dimension tenant, project or key");
        if (Response == ResponseAction.Throttle && ThrottleRpm < 1) throw new ArgumentException($"{where}: throttleRpm must be at least 1");
        if (ResponseMinutes < 0) throw new ArgumentException($"{where}: responseMinutes must not be negative");
    }
}
