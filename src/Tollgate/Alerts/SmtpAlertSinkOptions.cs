namespace Tollgate.Alerts;

/// <summary>Settings of <see cref="SmtpAlertSink"/>.</summary>
public sealed class SmtpAlertSinkOptions
{
    public string Host { get; set; } = "";

    public int Port { get; set; } = 25;

    public bool EnableSsl { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "";

    public IReadOnlyList<string> To { get; set; } = [];

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("SMTP Host is required", nameof(Host));
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentException("SMTP Port must be 1-65535", nameof(Port));
        }

        if (string.IsNullOrWhiteSpace(From) || !From.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException("From must be an e-mail address", nameof(From));
        }

        if (To.Count == 0 || To.Any(t => !t.Contains('@', StringComparison.Ordinal)))
        {
            throw new ArgumentException("To must list at least one e-mail address", nameof(To));
        }
    }
}
