using System.Text;

namespace Tollgate.Alerts;

/// <summary>Sends each alert as a plain-text e-mail over SMTP (<see cref="SmtpMailer"/>: STARTTLS or implicit TLS, AUTH PLAIN/LOGIN).</summary>
public sealed class SmtpAlertSink : IAlertSink
{
    private readonly SmtpAlertSinkOptions _options;

    public SmtpAlertSink(SmtpAlertSinkOptions options)
    {
        options.Validate();
        _options = options;
    }

    public string Name => "smtp";

    public async ValueTask SendAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        var body = new StringBuilder()
            .Append(alert.Message).Append("\r\n\r\n")
            .Append($"severity: {alert.Severity.ToString().ToUpperInvariant()}").Append("\r\n")
            .Append($"kind: {alert.Kind}").Append("\r\n")
            .Append($"at: {alert.At:O}").Append("\r\n");
        if (alert.Id > 0)
        {
            body.Append($"alert: {alert.Id}").Append("\r\n");
        }

        if (alert.BudgetId is not null)
        {
            body.Append($"budget: {alert.BudgetId}").Append("\r\n").Append($"window: {alert.WindowKey}").Append("\r\n");
        }

        foreach (var (k, v) in alert.Details)
        {
            body.Append($"{k}: {v}").Append("\r\n");
        }

        await new SmtpMailer(_options).SendAsync($"[Tollgate {alert.Severity.ToString().ToUpperInvariant()}] {alert.Message}", body.ToString(), alert.At, cancellationToken);
    }
}
