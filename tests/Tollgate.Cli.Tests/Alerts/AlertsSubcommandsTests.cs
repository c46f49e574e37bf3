using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Tollgate.Alerts;
using Tollgate.Alerts.Responses;
using Tollgate.Sqlite.Budgets;

namespace Tollgate.Cli.Tests.Alerts;

/// <summary><c>tollgate alerts test | ack | expected | responses | reverse</c> through <see cref="CliApp"/>.</summary>
public sealed class AlertsSubcommandsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tg-cli-alerts-" + Guid.NewGuid().ToString("N")[..8]);

    public AlertsSubcommandsTests() => Directory.CreateDirectory(_dir);

    private string Db => Path.Combine(_dir, "t.db");

    private string Store => "sqlite:" + Db;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliApp.RunAsync(args, new CliConsole(TextReader.Null, output, error), Ct);
        return (code, output.ToString(), error.ToString());
    }

    private string Config(string channels)
    {
        var path = Path.Combine(_dir, "tollgate.json");
        File.WriteAllText(path, "{\"alerts\": {\"channels\": " + channels + "}}");
        return path;
    }

    [Fact]
    public async Task Test_WebhookChannel_DeliversTestMessage()
    {
        using var receiver = new RawHttpReceiver();
        var config = Config($$"""[{"name": "ops", "type": "webhook", "url": "{{receiver.Url}}", "format": "json"}]""");

        var (code, output, error) = await RunAsync("alerts", "test", "--channel", "ops", "--config", config);

        Assert.True(code == 0, error);
        Assert.Contains("sent a test alert through channel 'ops' (webhook)", output, StringComparison.Ordinal);
        var body = Assert.Single(receiver.Bodies);
        Assert.Contains("\"kind\":\"test\"", body, StringComparison.Ordinal);
        Assert.Contains("\"schema\":\"tollgate.alert.v1\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_UnknownChannel_SaysWhichExist()
    {
        var config = Config("""[{"name": "ops", "type": "log"}]""");

        var (code, _, error) = await RunAsync("alerts", "test", "--channel", "pager", "--config", config);

        Assert.NotEqual(0, code);
        Assert.Contains("no alert channel 'pager': configured are ops", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_ReceiverDown_FailsAfterRetriesWithNonZeroExit()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var config = Config($$"""[{"name": "ops", "type": "webhook", "url": "http://127.0.0.1:{{port}}/hook", "maxRetries": 1, "firstRetryDelaySeconds": 0.05}]""");

        var (code, _, error) = await RunAsync("alerts", "test", "--channel", "ops", "--config", config);

        Assert.NotEqual(0, code);
        Assert.Contains("channel 'ops' could not deliver after 2 attempts", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResponsesThenReverse_LiftsTheResponse_AndAckRecordsFeedback()
    {
        long responseId;
        long alertId;
        var store = await SqliteBudgetStore.OpenAsync(Db, Ct);
        {
            // The store is a plain object over the file (no connection held): nothing to dispose.
            var anomaly = await store.AppendAsync(new Alert { At = DateTimeOffset.UtcNow, Severity = AlertSeverity.Critical, Kind = AlertKinds.Anomaly, Message = "anomaly (spike): tenant acme" }, Ct);
            alertId = anomaly.Id;
            var book = new ResponseBook(store);
            responseId = (await book.ApplyAsync(ResponseAction.Throttle, "tenant", "acme", 5, null, anomaly, "spike", Ct)).Id;
        }

        var (code, listed, _) = await RunAsync("alerts", "responses", "--store", Store);
        Assert.Equal(0, code);
        Assert.Contains("tenant acme throttled to 5 requests per minute", listed, StringComparison.Ordinal);

        (code, var reversed, var error) = await RunAsync("alerts", "reverse", responseId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--by", "bob", "--store", Store);
        Assert.True(code == 0, error);
        Assert.Contains($"reversed response {responseId}", reversed, StringComparison.Ordinal);
        (code, listed, _) = await RunAsync("alerts", "responses", "--store", Store);
        Assert.Contains("no automated responses in force", listed, StringComparison.Ordinal);
        (code, _, error) = await RunAsync("alerts", "reverse", responseId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--store", Store);
        Assert.NotEqual(0, code);
        Assert.Contains("is in force", error, StringComparison.Ordinal);

        (code, var acked, _) = await RunAsync("alerts", "ack", alertId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--by", "bob", "--store", Store);
        Assert.Equal(0, code);
        Assert.Contains($"alert {alertId} (anomaly) acknowledged", acked, StringComparison.Ordinal);
        var reopened = await SqliteBudgetStore.OpenAsync(Db, Ct);
        var status = AlertFeedback.Fold(await reopened.QueryAsync(DateTimeOffset.UtcNow.AddHours(-1), Ct)).Single(s => s.Alert.Id == alertId);
        Assert.Equal("bob", status.Acknowledged!.Details["by"]);
    }

    /// <summary>A bare HTTP/1.1 receiver on 127.0.0.1: reads one request per connection, answers 200, keeps the body.</summary>
    private sealed class RawHttpReceiver : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public RawHttpReceiver()
        {
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/hook";

        public ConcurrentQueue<string> Bodies { get; } = new();

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception)
                {
                    return;
                }

                using (client)
                {
                    var stream = client.GetStream();
                    var buffer = new byte[64 * 1024];
                    var total = 0;
                    int headerEnd;
                    while ((headerEnd = Encoding.ASCII.GetString(buffer, 0, total).IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
                    {
                        total += await stream.ReadAsync(buffer.AsMemory(total));
                    }

                    var headers = Encoding.ASCII.GetString(buffer, 0, headerEnd);
                    var length = int.Parse(headers.Split("\r\n").First(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    while (total < headerEnd + 4 + length)
                    {
                        total += await stream.ReadAsync(buffer.AsMemory(total));
                    }

                    Bodies.Enqueue(Encoding.UTF8.GetString(buffer, headerEnd + 4, length));
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
                }
            }
        }
    }
}
