using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Tollgate.Alerts;
using Tollgate.Alerts.Responses;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Keys;

namespace Tollgate.Gateway.Alerting;

/// <summary>
/// What the request path tells the alerting, and asks of it: whether an automated response refuses the caller
/// (a dictionary read), and — never awaited by the request — budget settlements (a threshold crossing is checked at
/// once, off the request path), budget refusals and unpriced models (each alerted once per window or model).
/// </summary>
internal sealed partial class AlertSignals(ResponseBook responses, AlertDispatcher dispatcher, IBudgetStore budgetStore, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, string> _crossing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), byte> _unpriced = new();
    private readonly SemaphoreSlim _settled = new(0, 1);

    public ResponseBook Responses => responses;

    /// <summary>An automated response that refuses this caller now, or null.</summary>
    public ResponseVerdict? Check(VirtualKey key) => responses.Check(key.Tenant, key.Project, key.Id);

    /// <summary>A call settled against these budgets: their thresholds are checked now (coalesced), off the request path.</summary>
    public void Settled(string requestId, IReadOnlyList<HoldLine> lines)
    {
        foreach (var line in lines)
        {
            _crossing[line.BudgetId] = requestId;
        }

        if (_settled.CurrentCount == 0)
        {
            try
            {
                _settled.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another settlement signalled first: the pending check covers this one too.
            }
            catch (ObjectDisposedException)
            {
                // Shutting down.
            }
        }
    }

    /// <summary>A budget refused a call: alerted once per budget window (the store's once-marker holds across instances).</summary>
    public void Refused(BudgetTrip trip, string requestId) => _ = Background(async () =>
    {
        if (!await budgetStore.TryMarkOnceAsync(trip.BudgetId, trip.WindowKey, "refused", CancellationToken.None))
        {
            return;
        }

        await dispatcher.DispatchAsync(new Alert
        {
            At = time.GetUtcNow(),
            Severity = AlertSeverity.Warning,
            Kind = AlertKinds.BudgetRefused,
            BudgetId = trip.BudgetId,
            WindowKey = trip.WindowKey,
            Message = $"budget '{trip.BudgetName}' refused a call: {Money.Format(trip.Spent)} of {Money.Format(trip.Limit)} {trip.Currency} spent, {Money.Format(trip.Held)} held, the call needed up to {Money.Format(trip.Needed)}",
            Details = new Dictionary<string, string>
            {
                ["request_id"] = requestId,
                ["limit"] = Money.Format(trip.Limit),
                ["spent"] = Money.Format(trip.Spent),
                ["held"] = Money.Format(trip.Held),
                ["needed"] = Money.Format(trip.Needed),
                ["currency"] = trip.Currency,
                ["resets_at"] = trip.ResetsAt?.ToString("O", CultureInfo.InvariantCulture) ?? "never",
            },
        });
    });

    /// <summary>A call to a model no price covers: alerted once per provider and model per process.</summary>
    public void Unpriced(string provider, string model, string? reason, string requestId)
    {
        if (!_unpriced.TryAdd((provider, model), 0))
        {
            return;
        }

        _ = Background(() => dispatcher.DispatchAsync(new Alert
        {
            At = time.GetUtcNow(),
            Severity = AlertSeverity.Warning,
            Kind = AlertKinds.UnpricedModel,
            Message = $"unpriced model seen: {provider}/{model} ({reason ?? "no price"}); its calls are recorded at $0 — add a price (pricing.fallbackPrices or an override file)",
            Details = new Dictionary<string, string> { ["provider"] = provider, ["model"] = model, ["request_id"] = requestId },
        }).AsTask());
    }

    /// <summary>Checks budget thresholds whenever a settlement signalled, until stopped.</summary>
    public async Task RunThresholdChecksAsync(BudgetAlertMonitor monitor, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _settled.WaitAsync(cancellationToken);
                var crossing = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var id in _crossing.Keys)
                {
                    if (_crossing.TryRemove(id, out var requestId))
                    {
                        crossing[id] = requestId;
                    }
                }

                await monitor.CheckAsync(crossing, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, "threshold check", ex.Message);
            }
        }
    }

    public void Dispose() => _settled.Dispose();

    private async Task Background(Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception ex)
        {
            LogFailed(logger, "alert", ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{What} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string what, string error);
}
