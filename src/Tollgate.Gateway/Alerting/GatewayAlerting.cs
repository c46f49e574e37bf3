using System.Globalization;
using Microsoft.Extensions.Logging;
using Tollgate.Alerts;
using Tollgate.Alerts.Responses;
using Tollgate.Anomalies.Live;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Forecasting;
using Tollgate.Gateway.Configuration;
using Tollgate.Ledger;
using Tollgate.Routing;

namespace Tollgate.Gateway.Alerting;

/// <summary>
/// The gateway's alerting: the configured channels behind one <see cref="AlertDispatcher"/>, the request-path
/// <see cref="AlertSignals"/>, automated responses (<see cref="ResponseBook"/>), and the background loops — threshold
/// checks at settlement, live anomaly rules over the ledger, forecast overruns, response refresh — plus provider
/// circuit alerts from the <see cref="HealthMonitor"/>.
/// </summary>
internal sealed partial class GatewayAlerting : IAsyncDisposable
{
    private readonly AlertsOptions _options;
    private readonly IAlertHistory _history;
    private readonly BudgetGate _gate;
    private readonly ILedgerStore _ledger;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    private GatewayAlerting(AlertsOptions options, IAlertHistory history, HealthMonitor health, BudgetGate gate, ILedgerStore ledger, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _history = history;
        _gate = gate;
        _ledger = ledger;
        _time = time;
        _logger = loggers.CreateLogger<GatewayAlerting>();
        _http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        Channels = AlertChannels.Build(options.Channels, _http, loggers, time);
        if (Channels.Count == 0)
        {
            Channels.Add(new QueuedAlertChannel("log", new LogAlertSink(loggers.CreateLogger<LogAlertSink>()), AlertChannelFilter.Everything, timeProvider: time));
        }

        Dispatcher = new AlertDispatcher(history, Channels, loggers.CreateLogger<AlertDispatcher>());
        Responses = new ResponseBook(history, time, Dispatcher.DispatchAsync);
        Signals = new AlertSignals(Responses, Dispatcher, gate.Store, time, _logger);
        Detector = options.Anomalies.Rules.Count > 0 ? new LiveAnomalyDetector(ledger, options.Anomalies.Rules, time) : null;
        health.CircuitChanged += OnCircuitChanged;
    }

    public List<QueuedAlertChannel> Channels { get; }

    public AlertDispatcher Dispatcher { get; }

    public ResponseBook Responses { get; }

    public AlertSignals Signals { get; }

    public LiveAnomalyDetector? Detector { get; }

    /// <summary>Builds the alerting from configuration; throws <see cref="GatewayConfigurationException"/> with what to fix.</summary>
    public static GatewayAlerting Create(AlertsOptions options, IAlertHistory history, HealthMonitor health, BudgetGate gate, ILedgerStore ledger, TimeProvider time, ILoggerFactory loggers)
    {
        if (AlertChannels.Problems(options) is { Count: > 0 } problems)
        {
            throw new GatewayConfigurationException(string.Join(Environment.NewLine, problems));
        }

        return new GatewayAlerting(options, history, health, gate, ledger, time, loggers);
    }

    /// <summary>Starts the background loops (after the gateway listens).</summary>
    public async Task StartAsync(BudgetAlertMonitor monitor, CancellationToken cancellationToken)
    {
        await Responses.RefreshAsync(cancellationToken);
        var stop = _stop.Token;
        _loops.Add(Signals.RunThresholdChecksAsync(monitor, stop));
        _loops.Add(EveryAsync(TimeSpan.FromSeconds(_options.ResponseRefreshSeconds), "response refresh", ct => Responses.RefreshAsync(ct).AsTask(), stop));
        if (Detector is not null)
        {
            _loops.Add(EveryAsync(TimeSpan.FromSeconds(_options.Anomalies.IntervalSeconds), "anomaly detection", DetectAnomaliesAsync, stop));
        }

        if (_options.Forecast.Enabled)
        {
            _loops.Add(EveryAsync(TimeSpan.FromSeconds(_options.Forecast.IntervalSeconds), "forecast alerts", CheckForecastsAsync, stop));
        }
    }

    /// <summary>Reverses an automated response; null when none such is in force.</summary>
    public ValueTask<AutomatedResponse?> ReverseAsync(long responseId, string by, CancellationToken cancellationToken) =>
        Responses.ReverseAsync(responseId, by, cancellationToken);

    /// <summary>One pass of the anomaly rules: learns what operators marked expected, then alerts and responds.</summary>
    public async Task DetectAnomaliesAsync(CancellationToken cancellationToken)
    {
        if (Detector is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var learn = TimeSpan.FromDays(_options.Anomalies.ExpectedLearnDays);
        var history = await _history.QueryAsync(now - learn, cancellationToken);
        foreach (var status in AlertFeedback.Fold(history).Where(s => s.Expected is not null && s.Alert.Kind == AlertKinds.Anomaly))
        {
            var d = status.Alert.Details;
            if (d.TryGetValue("rule", out var rule) && d.TryGetValue("value", out var value) &&
                d.TryGetValue("actual", out var actual) && double.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out var level))
            {
                Detector.Learn(rule, value, level, status.Expected!.At + learn);
            }
        }

        foreach (var anomaly in await Detector.EvaluateAsync(cancellationToken))
        {
            // Every instance judges the same ledger: the store's once-marker lets one of them alert (and respond) per rule,
            // value and cooldown period, so several instances give one alert for one incident.
            // A rule without a cooldown asked for every alert.
            if (anomaly.Rule.CooldownSeconds > 0
                && !await _gate.Store.TryMarkOnceAsync("anomaly:" + anomaly.Rule.Name, anomaly.Value, (now.ToUnixTimeSeconds() / anomaly.Rule.CooldownSeconds).ToString(CultureInfo.InvariantCulture), cancellationToken))
            {
                continue;
            }

            var alert = await Dispatcher.DispatchAsync(AnomalyAlert(anomaly), cancellationToken);
            await RespondAsync(anomaly, alert, cancellationToken);
        }
    }

    private async Task RespondAsync(LiveAnomaly anomaly, Alert alert, CancellationToken cancellationToken)
    {
        var rule = anomaly.Rule;
        if (rule.Response == ResponseAction.Notify || rule.Dimension is not ("tenant" or "project" or "key"))
        {
            return;
        }

        var duration = rule.ResponseMinutes > 0 ? TimeSpan.FromMinutes(rule.ResponseMinutes) : (TimeSpan?)null;
        await Responses.ApplyAsync(rule.Response, rule.Dimension, anomaly.Value, rule.ThrottleRpm, duration, alert, rule.Name, cancellationToken);
    }

    /// <summary>The alert for <paramref name="a"/>: expected vs actual, $ impact, root cause.</summary>
    internal static Alert AnomalyAlert(LiveAnomaly a)
    {
        var rule = a.Rule;
        var severity = a.Impact >= rule.CriticalImpact ? AlertSeverity.Critical : a.Impact >= rule.WarningImpact ? AlertSeverity.Warning : AlertSeverity.Info;
        var cause = a.CauseValue is { } c && a.CauseDimension is { } cd ? $", {cd} {c}" : "";
        var what = rule.Kind switch
        {
            AnomalyRuleKind.RequestSpike => $"{a.Actual:0} requests against {a.Expected:0.#} expected",
            AnomalyRuleKind.ErrorRateSpike => $"{a.Actual:P0} of calls failed against {a.Expected:P0} expected",
            _ => $"${Money.Format(a.ActualCost)} spent against ${Money.Format(a.ExpectedCost)} expected",
        };
        var ratio = a.Expected > 0 && rule.Kind != AnomalyRuleKind.ErrorRateSpike ? $", {a.Actual / a.Expected:0.#}×" : "";
        return new Alert
        {
            At = a.WindowEnd,
            Severity = severity,
            Kind = AlertKinds.Anomaly,
            Message = $"anomaly ({rule.Name}): {rule.Dimension} {a.Value}{cause}, +${Money.Format(a.Impact)} over expected in the last {Span(rule.Window)} ({what}{ratio})",
            Details = new Dictionary<string, string>
            {
                ["rule"] = rule.Name,
                ["rule_kind"] = rule.Kind.ToString(),
                ["dimension"] = rule.Dimension,
                ["value"] = a.Value,
                ["expected"] = a.Expected.ToString("0.######", CultureInfo.InvariantCulture),
                ["actual"] = a.Actual.ToString("0.######", CultureInfo.InvariantCulture),
                ["expected_cost"] = Money.Format(a.ExpectedCost),
                ["actual_cost"] = Money.Format(a.ActualCost),
                ["impact"] = Money.Format(a.Impact),
                ["deviation_percent"] = double.IsInfinity(a.DeviationPercent) ? "inf" : a.DeviationPercent.ToString("0.#", CultureInfo.InvariantCulture),
                ["cause_dimension"] = a.CauseDimension ?? "",
                ["cause_value"] = a.CauseValue ?? "",
                ["window_start"] = a.WindowStart.ToString("O", CultureInfo.InvariantCulture),
                ["window_end"] = a.WindowEnd.ToString("O", CultureInfo.InvariantCulture),
                ["response"] = rule.Response.ToString().ToLowerInvariant(),
            },
        };
    }

    /// <summary>One pass of the forecast overrun check: once per budget window, when the run-out quantile falls before the reset.</summary>
    public async Task CheckForecastsAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var statuses = await _gate.GetStatusAsync(cancellationToken);
        var runOuts = await BudgetRunOutProjection.ProjectAsync(statuses, _ledger, _gate.ExchangeRates, now, cancellationToken);
        var pick = QuantileOf(_options.Forecast.Quantile)!;
        foreach (var status in statuses)
        {
            if (!runOuts.TryGetValue(status.Budget.Id, out var runOut) || pick(runOut) is not { } date || status.ResetsAt is not { } reset ||
                date >= reset || date <= now || status.EffectiveLimit <= 0)
            {
                continue;
            }

            if (!await _gate.Store.TryMarkOnceAsync(status.Budget.Id, status.Window.Key, "forecast_overrun", cancellationToken))
            {
                continue;
            }

            // At the pace that exhausts the remainder by the run-out date, the window ends this far over its limit.
            var rate = (double)status.Remaining / (date - now).TotalHours;
            var projected = (double)(status.Spent + status.Held) + rate * (reset - now).TotalHours;
            var over = projected / (double)status.EffectiveLimit - 1;
            var q = _options.Forecast.Quantile.ToUpperInvariant();
            await Dispatcher.DispatchAsync(new Alert
            {
                At = now,
                Severity = AlertSeverity.Warning,
                Kind = AlertKinds.ForecastOverrun,
                BudgetId = status.Budget.Id,
                WindowKey = status.Window.Key,
                Message = $"budget '{status.Budget.DisplayName}' is projected to exceed its limit by {over:P0} before its reset on {reset.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC ({q} run-out {date.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC)",
                Details = new Dictionary<string, string>
                {
                    ["quantile"] = _options.Forecast.Quantile,
                    ["run_out"] = date.ToString("O", CultureInfo.InvariantCulture),
                    ["resets_at"] = reset.ToString("O", CultureInfo.InvariantCulture),
                    ["limit"] = Money.Format(status.EffectiveLimit),
                    ["spent"] = Money.Format(status.Spent),
                    ["projected_overrun_percent"] = (over * 100).ToString("0.#", CultureInfo.InvariantCulture),
                    ["currency"] = status.Budget.Currency,
                },
            }, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // Stopping.
        }

        foreach (var channel in Channels)
        {
            await channel.DisposeAsync();
        }

        Signals.Dispose();
        _http.Dispose();
        _stop.Dispose();
    }

    private static Func<BudgetRunOut, DateTimeOffset?>? QuantileOf(string quantile) => quantile.ToLowerInvariant() switch
    {
        "p10" => r => r.P10,
        "p50" => r => r.P50,
        "p90" => r => r.P90,
        _ => null,
    };

    private static string Span(TimeSpan window) =>
        window.TotalSeconds < 120 ? $"{window.TotalSeconds:0} s" : window.TotalHours < 2 ? $"{window.TotalMinutes:0} min" : $"{window.TotalHours:0.#} h";

    private void OnCircuitChanged(string provider, string model, bool opened) => _ = Dispatcher.DispatchAsync(new Alert
    {
        At = _time.GetUtcNow(),
        Severity = opened ? AlertSeverity.Warning : AlertSeverity.Info,
        Kind = opened ? AlertKinds.CircuitOpened : AlertKinds.CircuitClosed,
        Message = opened
            ? $"provider {provider} model {model}: circuit opened after repeated failures; calls go to other providers until a probe succeeds"
            : $"provider {provider} model {model}: circuit closed, the probe call succeeded",
        Details = new Dictionary<string, string> { ["provider"] = provider, ["model"] = model },
    }).AsTask().ContinueWith(t => LogLoopFailed(_logger, "circuit alert", t.Exception?.GetBaseException().Message ?? ""), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private async Task EveryAsync(TimeSpan interval, string what, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await work(cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    LogLoopFailed(_logger, what, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{What} failed: {Error}")]
    private static partial void LogLoopFailed(ILogger logger, string what, string error);
}
