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
                IAlertSink sink = o.Type.ToLowerInvariant() switch
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
                channels.Add(new QueuedAlertChannel(o.Name, sink, new AlertChannelFilter(o.MinSeverity, o.Kinds), delivery, time, loggers.CreateLogger<QueuedAlertChannel>()));
            }
            catch (ArgumentException ex)
            {
                throw new GatewayConfigurationException($"{where}: {ex.Message}");
            }
        }

        return channels;
    }
}
