using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Alerts;

namespace Tollgate.Tests.Alerts;

/// <summary>Delivery through configured channels: SMTP with AUTH (plain, STARTTLS, implicit TLS), webhook formats, filters, retries, a queue that never blocks.</summary>
public sealed class AlertChannelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Alert Sample(AlertSeverity severity = AlertSeverity.Critical, string kind = "anomaly") => new()
    {
        Id = 42,
        At = new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero),
        Severity = severity,
        Kind = kind,
        Message = "anomaly (spike): tenant acme, model gpt-4o, +$412.00 over expected in the last 60 min",
        Details = new Dictionary<string, string> { ["dimension"] = "tenant", ["value"] = "acme" },
    };

    private static SmtpAlertSinkOptions Smtp(AuthSmtpServer server, SmtpSecurity security, string password = "s3cret") => new()
    {
        Host = "127.0.0.1",
        Port = server.Port,
        Security = security,
        UserName = "alerts",
        Password = password,
        From = "tollgate@example.test",
        To = ["ops@example.test", "oncall@example.test"],
        CertificateValidation = server.Trust,
        Timeout = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public async Task SmtpSink_AuthPlain_Delivered()
    {
        await using var server = new AuthSmtpServer("alerts", "s3cret");
        await new SmtpAlertSink(Smtp(server, SmtpSecurity.None)).SendAsync(Sample(), Ct);

        var (from, to, data, tls, user) = Assert.Single(server.Messages);
        Assert.Equal(("<tollgate@example.test>", "alerts", false), (from, user, tls));
        Assert.Equal(["<ops@example.test>", "<oncall@example.test>"], to);
        Assert.Contains("Subject: [Tollgate CRITICAL] anomaly (spike): tenant acme, model gpt-4o", data, StringComparison.Ordinal);
        Assert.Contains("value: acme", data, StringComparison.Ordinal);
        Assert.Contains("alert: 42", data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmtpSink_StartTls_UpgradesBeforeAuthAndMail()
    {
        await using var server = new AuthSmtpServer("alerts", "s3cret", offerStartTls: true);
        await new SmtpAlertSink(Smtp(server, SmtpSecurity.StartTls)).SendAsync(Sample(), Ct);

        var message = Assert.Single(server.Messages);
        Assert.True(message.Tls);
        var commands = server.Commands.ToList();
        Assert.True(commands.IndexOf("STARTTLS") < commands.IndexOf("AUTH"), string.Join(" | ", commands));
    }

    [Fact]
    public async Task SmtpSink_ImplicitTls_Delivered()
    {
        await using var server = new AuthSmtpServer("alerts", "s3cret", implicitTls: true);
        await new SmtpAlertSink(Smtp(server, SmtpSecurity.Tls)).SendAsync(Sample(), Ct);

        Assert.True(Assert.Single(server.Messages).Tls);
    }

    [Fact]
    public async Task SmtpSink_WrongPassword_ThrowsWithServerReply_NeverThePassword()
    {
        await using var server = new AuthSmtpServer("alerts", "s3cret");
        var ex = await Assert.ThrowsAsync<SmtpException>(async () => await new SmtpAlertSink(Smtp(server, SmtpSecurity.None, "wrong-pass-123")).SendAsync(Sample(), Ct));

        Assert.Contains("535", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-pass-123", ex.Message, StringComparison.Ordinal);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task SmtpSink_StartTlsRequiredButNotOffered_Refused()
    {
        await using var server = new AuthSmtpServer("alerts", "s3cret");
        var ex = await Assert.ThrowsAsync<SmtpException>(async () => await new SmtpAlertSink(Smtp(server, SmtpSecurity.StartTls)).SendAsync(Sample(), Ct));
        Assert.Contains("does not offer STARTTLS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebhookSink_JsonFormat_PlainSchema()
    {
        await using var receiver = new LoopbackHttpReceiver();
        using var http = new HttpClient();
        var sink = new WebhookAlertSink(http, new WebhookAlertSinkOptions { Url = receiver.Url, Format = WebhookFormat.Json, MaxRetries = 0 });
        await sink.SendAsync(Sample(AlertSeverity.Warning), Ct);

        using var doc = JsonDocument.Parse(Assert.Single(receiver.Bodies));
        var root = doc.RootElement;
        Assert.Equal(("tollgate.alert.v1", 42L, "warning", "anomaly"), (root.GetProperty("schema").GetString(), root.GetProperty("id").GetInt64(), root.GetProperty("severity").GetString(), root.GetProperty("kind").GetString()));
        Assert.Equal("acme", root.GetProperty("details").GetProperty("value").GetString());
        Assert.False(root.TryGetProperty("blocks", out _));
    }

    [Fact]
    public async Task QueuedChannel_FiltersBySeverityAndKind()
    {
        var sink = new RecordingSink();
        await using var channel = new QueuedAlertChannel("ops", sink, new AlertChannelFilter(AlertSeverity.Warning, ["anomaly", "usage_*"]));
        await channel.SendAsync(Sample(AlertSeverity.Info), Ct);
        await channel.SendAsync(Sample(AlertSeverity.Critical, "budget_threshold"), Ct);
        await channel.SendAsync(Sample(AlertSeverity.Warning, "usage_implausible"), Ct);
        await channel.SendAsync(Sample(AlertSeverity.Critical), Ct);
        await channel.SendAsync(Sample(AlertSeverity.Critical, AlertKinds.Acknowledged), Ct);

        await WaitAsync(() => channel.Delivered == 2);
        Assert.Equal(["usage_implausible", "anomaly"], sink.Sent.Select(a => a.Kind));
    }

    [Fact]
    public async Task QueuedChannel_SinkFailsTwice_RetriedWithBackOff_ThenDelivered()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var sink = new RecordingSink { FailFirst = 2 };
        await using var channel = new QueuedAlertChannel("ops", sink, AlertChannelFilter.Everything, new AlertDeliveryOptions { MaxRetries = 3, FirstRetryDelay = TimeSpan.FromSeconds(1) }, time);
        await channel.SendAsync(Sample(), Ct);

        await WaitAsync(() => sink.Attempts == 1);
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitAsync(() => sink.Attempts == 2);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, sink.Attempts); // the second back-off is two seconds
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitAsync(() => channel.Delivered == 1);
        Assert.Equal(3, sink.Attempts);
    }

    [Fact]
    public async Task QueuedChannel_SinkHangs_SendReturnsAtOnce_OverflowDropsOldest()
    {
        var sink = new RecordingSink { Hang = true };
        await using var channel = new QueuedAlertChannel("ops", sink, AlertChannelFilter.Everything, new AlertDeliveryOptions { QueueCapacity = 3, MaxRetries = 0, Timeout = TimeSpan.FromMinutes(5) });
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
        {
            await channel.SendAsync(Sample() with { Id = i }, Ct);
        }

        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), clock.Elapsed.ToString());
        await WaitAsync(() => channel.Dropped >= 6);
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "condition not met in 10 s");
            await Task.Delay(10);
        }
    }

    private sealed class RecordingSink : IAlertSink
    {
        private int _attempts;

        public List<Alert> Sent { get; } = [];

        public int FailFirst { get; init; }

        public bool Hang { get; init; }

        public int Attempts => Volatile.Read(ref _attempts);

        public string Name => "recording";

        public async ValueTask SendAsync(Alert alert, CancellationToken cancellationToken = default)
        {
            var attempt = Interlocked.Increment(ref _attempts);
            if (Hang)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            if (attempt <= FailFirst)
            {
                throw new HttpRequestException("receiver down");
            }

            lock (Sent)
            {
                Sent.Add(alert);
            }
        }
    }
}
