using System.Net;
using System.Net.Mail;
using System.Text;

namespace Tollgate.Alerts;

/// <summary>Sends each alert as a plain-text e-mail over SMTP (System.Net.Mail).</summary>
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
        using var message = new MailMessage { From = new MailAddress(_options.From), Subject = $"[Tollgate {alert.Severity.ToString().ToUpperInvariant()}] {alert.Message}", BodyEncoding = Encoding.UTF8, SubjectEncoding = Encoding.UTF8, BodyTransferEncoding = System.Net.Mime.TransferEncoding.QuotedPrintable };
        foreach (var to in _options.To)
        {
            message.To.Add(to);
        }

        var body = new StringBuilder()
            .Append(alert.Message).Append("\r\n\r\n")
            .Append($"severity: {alert.Severity.ToString().ToUpperInvariant()}").Append("\r\n")
            .Append($"kind: {alert.Kind}").Append("\r\n")
            .Append($"at: {alert.At:O}").Append("\r\n");
        if (alert.BudgetId is not null)
        {
            body.Append($"budget: {alert.BudgetId}").Append("\r\n").Append($"window: {alert.WindowKey}").Append("\r\n");
        }

        foreach (var (k, v) in alert.Details)
        {
            body.Append($"{k}: {v}").Append("\r\n");
        }

        message.Body = body.ToString();
        using var client = new SmtpClient(_options.Host, _options.Port) { EnableSsl = _options.EnableSsl, Timeout = (int)_options.Timeout.TotalMilliseconds };
        if (_options.UserName is not null)
        {
            client.Credentials = new NetworkCredential(_options.UserName, _options.Password);
        }

        await client.SendMailAsync(message, cancellationToken);
    }
}
