using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Tollgate.Tests.Alerts;

/// <summary>
/// A minimal SMTP server on 127.0.0.1 for delivery tests: EHLO, optional STARTTLS or implicit TLS (a self-signed
/// certificate made for the test), AUTH PLAIN checked against one user, MAIL / RCPT / DATA / QUIT. Mail without the
/// required authentication or TLS is refused like a real server would.
/// </summary>
internal sealed class AuthSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly string _user;
    private readonly string _password;
    private readonly bool _offerStartTls;
    private readonly bool _implicitTls;

    public AuthSmtpServer(string user, string password, bool offerStartTls = false, bool implicitTls = false)
    {
        _user = user;
        _password = password;
        _offerStartTls = offerStartTls;
        _implicitTls = implicitTls;
        if (offerStartTls || implicitTls)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            Certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
        }

        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public X509Certificate2? Certificate { get; }

    /// <summary>Accepts exactly this server's certificate (what a pinned private CA would do).</summary>
    public bool Trust(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && Certificate is not null && certificate.GetCertHashString() == Certificate.GetCertHashString();

    public ConcurrentQueue<(string From, List<string> To, string Data, bool Tls, string? User)> Messages { get; } = new();

    public ConcurrentQueue<string> Commands { get; } = new();

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(() => SessionAsync(client));
        }
    }

    private async Task SessionAsync(TcpClient client)
    {
        using (client)
        {
            Stream stream = client.GetStream();
            var tls = false;
            if (_implicitTls)
            {
                var ssl = new SslStream(stream);
                await ssl.AuthenticateAsServerAsync(Certificate!);
                stream = ssl;
                tls = true;
            }

            var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
            var writer = new StreamWriter(stream, Encoding.ASCII, 1024, leaveOpen: true) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 localhost test SMTP");
            string? user = null;
            string from = "";
            var to = new List<string>();
            while (await reader.ReadLineAsync() is { } line)
            {
                Commands.Enqueue(line.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase) ? "AUTH" : line);
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-localhost");
                        if (_offerStartTls && !tls)
                        {
                            await writer.WriteLineAsync("250-STARTTLS");
                        }

                        await writer.WriteLineAsync("250 AUTH PLAIN LOGIN");
                        break;
                    case "STARTTLS":
                        await writer.WriteLineAsync("220 go ahead");
                        var ssl = new SslStream(stream);
                        await ssl.AuthenticateAsServerAsync(Certificate!);
                        stream = ssl;
                        tls = true;
                        reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
                        writer = new StreamWriter(stream, Encoding.ASCII, 1024, leaveOpen: true) { NewLine = "\r\n", AutoFlush = true };
                        break;
                    case "AUTH":
                        var parts = line.Split(' ');
                        var decoded = parts.Length == 3 && parts[1].Equals("PLAIN", StringComparison.OrdinalIgnoreCase)
                            ? Encoding.UTF8.GetString(Convert.FromBase64String(parts[2])).Split('\0')
                            : [];
                        if (decoded.Length == 3 && decoded[1] == _user && decoded[2] == _password)
                        {
                            user = decoded[1];
                            await writer.WriteLineAsync("235 authenticated");
                        }
                        else
                        {
                            await writer.WriteLineAsync("535 authentication failed");
                        }

                        break;
                    case "MAIL":
                        if (user is null || ((_offerStartTls || _implicitTls) && !tls))
                        {
                            await writer.WriteLineAsync("530 authentication required");
                            break;
                        }

                        from = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "RCPT":
                        to.Add(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 end with .");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync() is { } d && d != ".")
                        {
                            data.AppendLine(d.StartsWith("..", StringComparison.Ordinal) ? d[1..] : d);
                        }

                        Messages.Enqueue((from, to, data.ToString(), tls, user));
                        await writer.WriteLineAsync("250 queued");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 not implemented");
                        break;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        Certificate?.Dispose();
        _stop.Dispose();
    }
}
