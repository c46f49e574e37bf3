using Tollgate.Anomalies.Live;

namespace Tollgate.Gateway.Configuration;

/// <summary>The <c>alerts</c> section: where alerts go, live anomaly rules, forecast alerts (docs/alerts.md).</summary>
public sealed class AlertsOptions
{
    /// <summary>Delivery channels; none configured means the log only.</summary>
    public List<AlertChannelOptions> Channels { get; set; } = [];

    public AnomalyAlertOptions Anomalies { get; set; } = new();

    public ForecastAlertOptions Forecast { get; set; } = new();

    /// <summary>How often automated responses are re-read from the alert history (reversals by the CLI or other instances).</summary>
    public double ResponseRefreshSeconds { get; set; } = 2;
}

/// <summary>One alert channel: <c>{"name": "ops", "type": "webhook", "url": "…", "format": "slack", "minSeverity": "warning"}</c>.</summary>
public sealed class AlertChannelOptions
{
    public string Name { get; set; } = "";

    /// <summary><c>webhook</c>, <c>smtp</c> or <c>log</c>.</summary>
    public string Type { get; set; } = "";

    /// <summary>Alerts below this severity are not sent here: <c>info</c>, <c>warning</c>, <c>critical</c>, <c>emergency</c>.</summary>
    public Tollgate.Alerts.AlertSeverity MinSeverity { get; set; } = Tollgate.Alerts.AlertSeverity.Info;

    /// <summary>The alert kinds sent here (empty: all); <c>usage_*</c> matches a prefix.</summary>
    public List<string> Kinds { get; set; } = [];

    /// <summary>Webhook: where to POST.</summary>
    public string? Url { get; set; }

    /// <summary>Webhook: <c>slack</c> (default) or <c>json</c>.</summary>
    public Tollgate.Alerts.WebhookFormat Format { get; set; } = Tollgate.Alerts.WebhookFormat.Slack;

    /// <summary>SMTP server.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>SMTP: <c>none</c>, <c>starttls</c> or <c>tls</c>.</summary>
    public Tollgate.Alerts.SmtpSecurity Security { get; set; } = Tollgate.Alerts.SmtpSecurity.StartTls;

    public string? Username { get; set; }

    /// <summary>Environment variable holding the SMTP password (never put it in the file).</summary>
    public string? PasswordEnv { get; set; }

    public string? From { get; set; }

    public List<string> To { get; set; } = [];

    /// <summary>Retries after a failed delivery, with exponential back-off from <see cref="FirstRetryDelaySeconds"/>.</summary>
    public int MaxRetries { get; set; } = 5;

    public double FirstRetryDelaySeconds { get; set; } = 1;

    /// <summary>Time allowed for one delivery.</summary>
    public double TimeoutSeconds { get; set; } = 15;

    /// <summary>Alerts waiting at most; when full the oldest is dropped.</summary>
    public int QueueCapacity { get; set; } = 1000;
}

/// <summary>Live anomaly detection in the gateway.</summary>
public sealed class AnomalyAlertOptions
{
    /// <summary>How often the rules are evaluated over the ledger.</summary>
    public double IntervalSeconds { get; set; } = 30;

    public List<AnomalyRule> Rules { get; set; } = [];

    /// <summary>How long a level marked expected raises a rule's baseline.</summary>
    public double ExpectedLearnDays { get; set; } = 7;
}

/// <summary>Forecast overrun alerts: once per budget window when the projected run-out at the quantile falls before the reset.</summary>
public sealed class ForecastAlertOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The run-out quantile that must fall before the reset: <c>p10</c>, <c>p50</c> or <c>p90</c>.</summary>
    public string Quantile { get; set; } = "p50";

    public double IntervalSeconds { get; set; } = 900;
}
