namespace Tollgate.Alerts;

/// <summary>How the SMTP connection is protected.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text (a relay on localhost or a private network only).</summary>
    None,

    /// <summary>Plain connect, then <c>STARTTLS</c> (port 587); refused when the server does not offer it.</summary>
    StartTls,

    /// <summary>TLS from the first byte (implicit TLS, port 465).</summary>
    Tls,
}
