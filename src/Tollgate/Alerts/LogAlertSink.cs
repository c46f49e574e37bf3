using Microsoft.Extensions.Logging;

namespace Tollgate.Alerts;

/// <summary>Writes alerts to a logger (Info → Information, Warning → Warning, Critical/Emergency → Critical).</summary>
public sealed class LogAlertSink(ILogger<LogAlertSink> logger) : IAlertSink
{
    public string Name => "log";

    public ValueTask SendAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        var level = alert.Severity switch
        {
            AlertSeverity.Info => LogLevel.Information,
            AlertSeverity.Warning => LogLevel.Warning,
            _ => LogLevel.Critical,
        };
        logger.Log(level, "[{Severity}] {Kind}: {Message}", alert.Severity.ToString().ToUpperInvariant(), alert.Kind, alert.Message);
        return ValueTask.CompletedTask;
    }
}
