using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Alerts;
using Tollgate.Budgets;

namespace Tollgate.Tests.Alerts;

public sealed class AlertTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));

    private sealed class RecordingSink : IAlertSink
    {
        public List<Alert> Sent { get; } = [];

        public string Name => "recording";

        public ValueTask SendAsync(Alert alert, CancellationToken cancellationToken = default)
        {
            lock (Sent)
            {
                Sent.Add(alert);
            }

            return ValueTask.CompletedTask;
        }
    }

    private static readonly BudgetSubject Subject = new() { Tenant = "acme" };

    [Fact]
    public async Task CheckAsync_ThresholdsCrossedByConcurrentMonitors_EachFiresOncePerWindow()
    {
        var store = new InMemoryBudgetStore();
        var defs = new InMemoryBudgetDefinitionStore(new Budget { Id = "d", Name = "Daily", Limit = 10m, Period = BudgetPeriod.Daily });
        var sink = new RecordingSink();
        var history = new InMemoryAlertHistory();
        // Two "instances": two gates and two monitors over one shared store.
        var gates = new[] { new BudgetGate(store, defs, _time), new BudgetGate(store, defs, _time) };
        var monitors = gates.Select(g => new BudgetAlertMonitor(g, new AlertDispatcher(history, [sink]), _time)).ToArray();

        var r = await gates[0].ReserveAsync(Subject, 8.5m, "r1", cancellationToken: Ct);
        await gates[0].SettleAsync(r.Reservation!, 8.5m, Ct);
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => monitors[i % 2].CheckAsync(Ct).AsTask()));
        Assert.Equal(["0.5", "0.8"], sink.Sent.Select(a => a.Details["threshold"]).Order());
        Assert.Equal(AlertSeverity.Warning, sink.Sent.Single(a => a.Details["threshold"] == "0.8").Severity);

        r = await gates[1].ReserveAsync(Subject, 1.5m, "r2", cancellationToken: Ct);
        await gates[1].SettleAsync(r.Reservation!, 1.5m, Ct);
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => monitors[i % 2].CheckAsync(Ct).AsTask()));
        Assert.Equal(5, sink.Sent.Count); // 0.9, 0.95 and 1 on top of 0.5 and 0.8
        Assert.Equal(AlertSeverity.Critical, sink.Sent.Single(a => a.Details["threshold"] == "1").Severity);

        // Next day: a new window, the thresholds can fire again.
        _time.Advance(TimeSpan.FromDays(1));
        r = await gates[0].ReserveAsync(Subject, 6m, "r3", cancellationToken: Ct);
        await gates[0].SettleAsync(r.Reservation!, 6m, Ct);
        await monitors[1].CheckAsync(Ct);
        Assert.Equal(6, sink.Sent.Count);
        Assert.Equal("daily:2026-11-23", sink.Sent[^1].WindowKey);
        Assert.Equal(6, (await history.QueryAsync(_time.GetUtcNow().AddHours(-48), Ct)).Count);
        Assert.Single(await history.QueryAsync(_time.GetUtcNow().AddHours(-1), Ct));
    }

    [Fact]
    public async Task CheckAsync_EmergencyThresholdPassed_StartsEmergencyOnceWithEmergencyAlert()
    {
        var store = new InMemoryBudgetStore();
        var gate = new BudgetGate(store, new InMemoryBudgetDefinitionStore(new Budget { Id = "e", Limit = 10m, EmergencyThreshold = 0.9m, Thresholds = [1m] }), _time);
        var sink = new RecordingSink();
        var monitor = new BudgetAlertMonitor(gate, new AlertDispatcher(new InMemoryAlertHistory(), [sink]), _time);
        var r = await gate.ReserveAsync(Subject, 9.5m, "r", cancellationToken: Ct);
        await gate.SettleAsync(r.Reservation!, 9.5m, Ct);
        await monitor.CheckAsync(Ct);
        await monitor.CheckAsync(Ct);
        var alert = Assert.Single(sink.Sent);
        Assert.Equal(AlertSeverity.Emergency, alert.Severity);
        Assert.NotNull(await store.GetEmergencyAsync(Ct));
        Assert.True((await gate.ReserveAsync(Subject, 0.1m, "r2", cancellationToken: Ct)).EmergencyMode);
    }

    [Fact]
    public async Task CheckAsync_EmergencyStarted_RecordedInTheAuditLogOnce()
    {
        var store = new InMemoryBudgetStore();
        var gate = new BudgetGate(store, new InMemoryBudgetDefinitionStore(new Budget { Id = "e", Limit = 10m, EmergencyThreshold = 0.9m, Thresholds = [1m] }), _time);
        var audit = new Tollgate.Audit.InMemoryAuditLog();
        var monitor = new BudgetAlertMonitor(gate, new AlertDispatcher(new InMemoryAlertHistory(), [new RecordingSink()]), _time) { Audit = audit };
        var r = await gate.ReserveAsync(Subject, 9.5m, "r", cancellationToken: Ct);
        await gate.SettleAsync(r.Reservation!, 9.5m, Ct);

        await monitor.CheckAsync(Ct);
        await monitor.CheckAsync(Ct);

        var entry = Assert.Single(await audit.QueryAsync(new Tollgate.Audit.AuditQuery(), Ct));
        Assert.Equal(("tollgate", "emergency.set", "e"), (entry.Actor, entry.Action, entry.Target));
        Assert.Equal(_time.GetUtcNow(), entry.At);
        Assert.Null(entry.Before);
        Assert.Contains("\"budget_id\":\"e\"", entry.After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_AfterOperatorResetsEmergency_StaysOffUntilTheThresholdIsCrossedAgain()
    {
        var store = new InMemoryBudgetStore();
        var definitions = new InMemoryBudgetDefinitionStore(new Budget { Id = "e", Limit = 10m, Period = BudgetPeriod.Daily, EmergencyThreshold = 0.9m, Thresholds = [1m] });
        var gate = new BudgetGate(store, definitions, _time, new BudgetGateOptions { DefinitionRefresh = TimeSpan.Zero, StateRefresh = TimeSpan.Zero });
        var monitor = new BudgetAlertMonitor(gate, new AlertDispatcher(new InMemoryAlertHistory(), [new RecordingSink()]), _time);
        var r = await gate.ReserveAsync(Subject, 9.5m, "r", cancellationToken: Ct);
        await gate.SettleAsync(r.Reservation!, 9.5m, Ct);
        await monitor.CheckAsync(Ct);
        Assert.NotNull(await store.GetEmergencyAsync(Ct));

        Assert.True(await gate.ResetEmergencyAsync(Ct)); // what `tollgate budget reset-emergency` does to the shared store
        await monitor.CheckAsync(Ct);
        await monitor.CheckAsync(Ct);

        Assert.Null(await store.GetEmergencyAsync(Ct));
        Assert.False((await gate.ReserveAsync(Subject, 0.1m, "r2", cancellationToken: Ct)).EmergencyMode);

        // The next window crosses the threshold again: emergency mode starts again.
        _time.Advance(TimeSpan.FromDays(1));
        var next = await gate.ReserveAsync(Subject, 9.5m, "r3", cancellationToken: Ct);
        await gate.SettleAsync(next.Reservation!, 9.5m, Ct);
        await monitor.CheckAsync(Ct);
        Assert.NotNull(await store.GetEmergencyAsync(Ct));
    }

    [Fact]
    public async Task WebhookSink_ReceiverFailsTwice_RetriedAndDeliveredSlackJson()
    {
        await using var receiver = new LoopbackHttpReceiver(500, 503);
        using var http = new HttpClient();
        var sink = new WebhookAlertSink(http, new WebhookAlertSinkOptions { Url = receiver.Url, MaxRetries = 3, FirstRetryDelay = TimeSpan.FromMilliseconds(10) });
        await sink.SendAsync(new Alert { At = _time.GetUtcNow(), Severity = AlertSeverity.Warning, Kind = "budget_threshold", BudgetId = "d", WindowKey = "daily:2026-11-22", Message = "budget 'd' reached 80%" }, Ct);
        Assert.Equal(3, receiver.Requests);
        using var json = JsonDocument.Parse(receiver.Bodies.Last());
        Assert.Equal("[WARNING] budget 'd' reached 80%", json.RootElement.GetProperty("text").GetString());
        Assert.Equal("section", json.RootElement.GetProperty("blocks")[0].GetProperty("type").GetString());
        Assert.Equal("d", json.RootElement.GetProperty("budget_id").GetString());
    }

    [Fact]
    public async Task WebhookSink_ReceiverAlwaysFails_ThrowsAfterRetries()
    {
        await using var receiver = new LoopbackHttpReceiver(500, 500, 500);
        using var http = new HttpClient();
        var sink = new WebhookAlertSink(http, new WebhookAlertSinkOptions { Url = receiver.Url, MaxRetries = 2, FirstRetryDelay = TimeSpan.FromMilliseconds(5) });
        await Assert.ThrowsAsync<HttpRequestException>(async () => await sink.SendAsync(new Alert { At = _time.GetUtcNow(), Severity = AlertSeverity.Info, Kind = "k", Message = "m" }, Ct));
        Assert.Equal(3, receiver.Requests);
    }

    [Fact]
    public async Task SmtpSink_RealLoopbackServer_ReceivesMail()
    {
        await using var smtp = new LoopbackSmtpServer();
        var sink = new SmtpAlertSink(new SmtpAlertSinkOptions { Host = "127.0.0.1", Port = smtp.Port, From = "tollgate@example.test", To = ["ops@example.test"] });
        await sink.SendAsync(new Alert { At = _time.GetUtcNow(), Severity = AlertSeverity.Critical, Kind = "budget_threshold", BudgetId = "d", WindowKey = "daily:2026-11-22", Message = "budget 'd' reached 100%" }, Ct);
        var (from, to, data) = Assert.Single(smtp.Messages);
        Assert.Contains("tollgate@example.test", from);
        Assert.Contains("ops@example.test", Assert.Single(to));
        Assert.Contains("[Tollgate CRITICAL]", data);
        var text = data.Replace("=\n", "", StringComparison.Ordinal); // quoted-printable soft line breaks
        Assert.True(text.Contains("window: daily:2026-11-22", StringComparison.Ordinal), data);
    }

    [Fact]
    public async Task Dispatcher_OneSinkThrows_OthersStillGetAlertAndHistoryKeepsIt()
    {
        var good = new RecordingSink();
        var history = new InMemoryAlertHistory();
        var dispatcher = new AlertDispatcher(history, [new ThrowingSink(), good, new LogAlertSink(NullLogger<LogAlertSink>.Instance)]);
        var stored = await dispatcher.DispatchAsync(new Alert { At = _time.GetUtcNow(), Severity = AlertSeverity.Info, Kind = "k", Message = "m" }, Ct);
        Assert.Equal(1, stored.Id);
        Assert.Single(good.Sent);
        Assert.Single(await history.QueryAsync(_time.GetUtcNow().AddDays(-1), Ct));
    }

    private sealed class ThrowingSink : IAlertSink
    {
        public string Name => "broken";

        public ValueTask SendAsync(Alert alert, CancellationToken cancellationToken = default) => throw new InvalidOperationException("down");
    }
}
