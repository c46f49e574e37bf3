using Microsoft.Extensions.Logging;
using Tollgate.Alerts;
using Tollgate.Gateway.Configuration;

namespace Tollgate.Gateway.Alerting;

/// <summary>Builds the configured alert channels (gateway and <c>tollgate alerts test</c> alike).</summary>
public static class AlertChannels
{
    /// <summary>
    /// One queued channel per entry of <paramref name="options"/>; throws <see cref="GatewayConfigurationException"/>
    /// saying what to fix.
    /// </summary>
    public static List<QueuedAlertChannel> Build(IReadOnlyList<AlertChannelOptions> options, HttpClient http, ILoggerFactory loggers, TimeProvider time, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var channels = new List<QueuedAlertChannel>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var o in options)
        {
            var where = $"alerts.channels '{o.Name}'";
            if (string.IsNullOrWhiteSpace(o.Name) || !names.Add(o.Name))
            {
                throw new GatewayConfigurationException("every alerts.channels entry needs a unique name");
            }

            try
            {
                var delivery = new AlertDeliveryOptions
                {
                    MaxRetries = o.MaxRetries,
                    FirstRetryDelay = TimeSpan.FromSeconds(o.FirstRetryDelaySeconds),
                    Timeout = TimeSpan.FromSeconds(o.TimeoutSeconds),
                    QueueCapacity = o.QueueCapacity,
                };
                var sink = CreateSink(o, http, loggers, time, environment);
                channels.Add(new QueuedAlertChannel(o.Name, sink, new AlertChannelFilter(o.MinSeverity, o.Kinds), delivery, time, loggers.CreateLogger<QueuedAlertChannel>()));
            }
            catch (ArgumentException ex)
            {
                throw new GatewayConfigurationException($"{where}: {ex.Message}");
            }
        }

        return channels;
    }

    /// <summary>What is wrong with the <c>alerts</c> section (channels, rules, intervals), one line each; empty when nothing.</summary>
    public static List<string> Problems(AlertsOptions options, Func<string, string?>? environment = null)
    {
        var problems = new List<string>();
        using var http = new HttpClient();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var o in options.Channels)
        {
            if (string.IsNullOrWhiteSpace(o.Name) || !names.Add(o.Name))
            {
                problems.Add("every alerts.channels entry needs a unique name");
                continue;
            }

            try
            {
                new AlertDeliveryOptions
                {
                    MaxRetries = o.MaxRetries,
                    FirstRetryDelay = TimeSpan.FromSeconds(o.FirstRetryDelaySeconds),
                    Timeout = TimeSpan.FromSeconds(o.TimeoutSeconds),
                    QueueCapacity = o.QueueCapacity,
                }.Validate();
                CreateSink(o, http, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System, environment ?? Environment.GetEnvironmentVariable);
            }
            catch (ArgumentException ex)
            {
                problems.Add($"alerts.channels '{o.Name}': {ex.Message}");
            }
        }

        foreach (var rule in options.Anomalies.Rules)
        {
            try
            {
                rule.Validate();
            }
            catch (ArgumentException ex)
            {
                problems.Add(ex.Message);
            }
        }

        if (options.Anomalies.IntervalSeconds <= 0 || options.Forecast.IntervalSeconds <= 0 || options.ResponseRefreshSeconds <= 0)
        {
            problems.Add("alerts: anomalies.intervalSeconds, forecast.intervalSeconds and responseRefreshSeconds must be positive");
        }

        if (options.Forecast.Quantile.ToLowerInvariant() is not ("p10" or "p50" or "p90"))
        {
            problems.Add($"alerts.forecast.quantile must be p10, p50 or p90, not '{options.Forecast.Quantile}'");
        }

        return problems;
    }

    private static IAlertSink CreateSink(AlertChannelOptions o, HttpClient http, ILoggerFactory loggers, TimeProvider time, Func<string, string?> environment) =>
        o.Type.ToLowerInvariant() switch
        {
            "webhook" => new WebhookAlertSink(http, new WebhookAlertSinkOptions
            {
                Url = Uri.TryCreate(o.Url, UriKind.Absolute, out var url) ? url : null,
                Format = o.Format,
                MaxRetries = 0, // the channel's queue retries, with its own back-off
                Timeout = TimeSpan.FromSeconds(o.TimeoutSeconds),
            }, time),
            "smtp" => new SmtpAlertSink(new SmtpAlertSinkOptions
            {
                Host = o.Host ?? "",
                Port = o.Port,
                Security = o.Security,
                UserName = o.Username,
                Password = o.PasswordEnv is { Length: > 0 } variable ? environment(variable) ?? throw new ArgumentException($"passwordEnv {variable} is not set") : null,
                From = o.From ?? "",
                To = o.To,
                Timeout = TimeSpan.FromSeconds(o.TimeoutSeconds),
            }),
            "log" => new LogAlertSink(loggers.CreateLogger<LogAlertSink>()),
            _ => throw new ArgumentException("type must be webhook, smtp or log"),
        };
}
