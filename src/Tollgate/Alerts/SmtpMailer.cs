using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Tollgate.Alerts;

/// <summary>
/// A small SMTP client (RFC 5321): EHLO, STARTTLS or implicit TLS, AUTH PLAIN (or LOGIN when that is all the server
/// offers), MAIL / RCPT / DATA, QUIT. One connection per message; every reply is checked and a refusal throws
/// <see cref="SmtpException"/> with the server's words (never the password).
/// </summary>
internal sealed class SmtpMailer(SmtpAlertSinkOptions options)
{
    public async Task SendAsync(string subject, string body, DateTimeOffset date, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        var ct = timeout.Token;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(options.Host, options.Port, ct);
        Stream stream = tcp.GetStream();
        if (options.Security == SmtpSecurity.Tls)
        {
            stream = await TlsAsync(stream, ct);
        }

        var session = new Session(stream);
        try
        {
            await session.ExpectAsync(220, ct);
            var extensions = await session.EhloAsync(ct);
            if (options.Security == SmtpSecurity.StartTls)
            {
                if (!extensions.Contains("STARTTLS"))
                {
                    throw new SmtpException($"the SMTP server {options.Host}:{options.Port} does not offer STARTTLS: use security \"tls\" for implicit TLS, or \"none\" only on a trusted network");
                }

                await session.CommandAsync("STARTTLS", 220, ct);
                stream = await TlsAsync(stream, ct);
                session.Dispose();
                session = new Session(stream);
                extensions = await session.EhloAsync(ct);
            }

            if (options.UserName is { Length: > 0 } user)
            {
                await AuthenticateAsync(session, extensions, user, options.Password ?? "", ct);
            }

            await session.CommandAsync($"MAIL FROM:<{options.From}>", 250, ct);
            foreach (var to in options.To)
            {
                await session.CommandAsync($"RCPT TO:<{to}>", 250, ct, alsoOk: 251);
            }

            await session.CommandAsync("DATA", 354, ct);
            await session.WriteAsync(Message(subject, body, date), ct);
            await session.CommandAsync(".", 250, ct);
            await session.CommandAsync("QUIT", 221, ct);
        }
        finally
        {
            session.Dispose();
            await stream.DisposeAsync();
        }
    }

    private async Task<Stream> TlsAsync(Stream inner, CancellationToken ct)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = options.Host,
                RemoteCertificateValidationCallback = options.CertificateValidation,
            },
            ct);
        return tls;
    }

    private static async Task AuthenticateAsync(Session session, HashSet<string> extensions, string user, string password, CancellationToken ct)
    {
        var mechanisms = extensions.Where(e => e.StartsWith("AUTH ", StringComparison.Ordinal)).SelectMany(e => e[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (mechanisms.Contains("LOGIN") && !mechanisms.Contains("PLAIN"))
        {
            await session.CommandAsync("AUTH LOGIN", 334, ct);
            await session.CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(user)), 334, ct);
            await session.CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(password)), 235, ct, secret: true);
            return;
        }

        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + user + "\0" + password));
        await session.CommandAsync("AUTH PLAIN " + token, 235, ct, secret: true);
    }

    private string Message(string subject, string body, DateTimeOffset date)
    {
        var ascii = body.All(c => c < 128) && body.Split('\n').All(l => l.Length < 900);
        var text = new StringBuilder()
            .Append("From: ").Append(options.From).Append("\r\n")
            .Append("To: ").Append(string.Join(", ", options.To)).Append("\r\n")
            .Append("Subject: ").Append(EncodeHeader(subject)).Append("\r\n")
            .Append("Date: ").Append(date.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("Content-Transfer-Encoding: ").Append(ascii ? "7bit" : "base64").Append("\r\n\r\n");
        if (ascii)
        {
            foreach (var line in body.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
            {
                // Dot-stuffing: a line starting with '.' gets another, so it is not read as the end of the data.
                text.Append(line.StartsWith('.') ? "." + line : line).Append("\r\n");
            }
        }
        else
        {
            var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(body));
            for (var i = 0; i < encoded.Length; i += 76)
            {
                text.Append(encoded, i, Math.Min(76, encoded.Length - i)).Append("\r\n");
            }
        }

        return text.ToString();
    }

    private static string EncodeHeader(string value)
    {
        var oneLine = value.Replace('\r', ' ').Replace('\n', ' ');
        return oneLine.All(c => c is >= ' ' and < (char)127) ? oneLine : "=?utf-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(oneLine)) + "?=";
    }

    /// <summary>One SMTP dialogue over a stream: commands, and replies read line by line.</summary>
    private sealed class Session(Stream stream) : IDisposable
    {
        private readonly StreamReader _reader = new(stream, Encoding.ASCII, detectEncodingFromByteOrderMarks: false, bufferSize: 1024, leaveOpen: true);

        public void Dispose() => _reader.Dispose();

        public async Task<HashSet<string>> EhloAsync(CancellationToken ct)
        {
            await WriteAsync("EHLO tollgate\r\n", ct);
            var (code, lines) = await ReadReplyAsync(ct);
            if (code != 250)
            {
                throw new SmtpException($"EHLO refused: {code} {string.Join(" ", lines)}");
            }

            return lines.Skip(1).Select(l => l.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);
        }

        public async Task CommandAsync(string command, int expected, CancellationToken ct, int? alsoOk = null, bool secret = false)
        {
            await WriteAsync(command + "\r\n", ct);
            await ExpectAsync(expected, ct, alsoOk, secret ? command.Split(' ')[0] + " …" : command);
        }

        public async Task ExpectAsync(int expected, CancellationToken ct, int? alsoOk = null, string? after = null)
        {
            var (code, lines) = await ReadReplyAsync(ct);
            if (code != expected && code != alsoOk)
            {
                throw new SmtpException($"the SMTP server answered {code} {string.Join(" ", lines)}{(after is null ? "" : $" to {after.Split(':')[0]}")}");
            }
        }

        public async Task WriteAsync(string text, CancellationToken ct)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
            await stream.FlushAsync(ct);
        }

        private async Task<(int Code, List<string> Lines)> ReadReplyAsync(CancellationToken ct)
        {
            var lines = new List<string>();
            while (true)
            {
                var line = await _reader.ReadLineAsync(ct) ?? throw new SmtpException("the SMTP server closed the connection");
                if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
                {
                    throw new SmtpException($"not an SMTP reply: {line}");
                }

                lines.Add(line.Length > 4 ? line[4..] : "");
                if (line.Length == 3 || line[3] != '-')
                {
                    return (code, lines);
                }
            }
        }
    }
}

/// <summary>The SMTP server refused a step or broke the dialogue.</summary>
public sealed class SmtpException(string message) : Exception(message);
