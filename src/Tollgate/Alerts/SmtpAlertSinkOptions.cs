namespace Tollgate.Alerts;

/// <summary>Settings of <see cref="SmtpAlertSink"/>.</summary>
public sealed class SmtpAlertSinkOptions
{
    public string Host { get; set; } = "";

    public int Port { get; set; } = 25;

    /// <summary>Shorthand kept for older configurations: true means <see cref="SmtpSecurity.StartTls"/>.</summary>
    public bool EnableSsl
    {
        get => Security != SmtpSecurity.None;
        set => Security = value ? SmtpSecurity.StartTls : SmtpSecurity.None;
    }

    /// <summary>Plain, STARTTLS or implicit TLS.</summary>
    public SmtpSecurity Security { get; set; }

    /// <summary>Checks the server's certificate (null: the system's trust store); set in code, e.g. to pin a private CA.</summary>
    public System.Net.Security.RemoteCertificateValidationCallback? CertificateValidation { get; set; }

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
