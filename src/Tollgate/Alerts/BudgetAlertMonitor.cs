using System.Globalization;
using Tollgate.Budgets;
using Tollgate.Costing;

namespace Tollgate.Alerts;

/// <summary>
/// Off the request path: reads every budget's status, fires each threshold alert once per threshold per
/// window (the store's once-marker makes that hold across concurrent checks and instances) and starts
/// emergency mode when a budget passes its emergency threshold — once per crossing, so an operator's reset sticks.
/// </summary>
public sealed class BudgetAlertMonitor(BudgetGate gate, AlertDispatcher dispatcher, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Where starting emergency mode is recorded (actor <c>tollgate</c>); null: not recorded.</summary>
    public Tollgate.Audit.IAuditLog? Audit { get; init; }

    /// <summary>Checks once; returns the alerts this call fired.</summary>
    public ValueTask<IReadOnlyList<Alert>> CheckAsync(CancellationToken cancellationToken = default) => CheckAsync(null, cancellationToken);

    /// <summary>
    /// Checks once, right after settlements: <paramref name="crossing"/> names, per budget id, the request that settled
    /// last against it (the one that crossed a threshold, recorded as <c>request_id</c>).
    /// </summary>
    public async ValueTask<IReadOnlyList<Alert>> CheckAsync(IReadOnlyDictionary<string, string>? crossing, CancellationToken cancellationToken = default)
    {
        var fired = new List<Alert>();
        foreach (var status in await gate.GetStatusAsync(cancellationToken))
        {
            var budget = status.Budget;
            var used = status.UsedFraction;
            foreach (var threshold in budget.Thresholds.Order())
            {
                if (used < threshold)
                {
                    break;
                }

                var marker = "threshold:" + threshold.ToString(CultureInfo.InvariantCulture);
                if (!await gate.Store.TryMarkOnceAsync(budget.Id, status.Window.Key, marker, cancellationToken))
                {
                    continue;
                }

                fired.Add(await dispatcher.DispatchAsync(new Alert
                {
                    At = _time.GetUtcNow(),
                    Severity = threshold >= 1m ? AlertSeverity.Critical : threshold >= 0.8m ? AlertSeverity.Warning : AlertSeverity.Info,
                    Kind = "budget_threshold",
                    BudgetId = budget.Id,
                    WindowKey = status.Window.Key,
                    Message = $"budget '{budget.DisplayName}' reached {threshold:P0} of its {budget.Period} limit: {Money.Format(status.Spent)} of {Money.Format(status.EffectiveLimit)} {budget.Currency} spent",
                    Details = WithRequest(Details(status, threshold), crossing, budget.Id),
                }, cancellationToken));
            }

            // Once per crossing: the marker (per window and limit) keeps an operator's reset-emergency in force until spend
            // crosses the threshold again — in a later window, or after the limit was changed — not on the next check.
            if (budget.EmergencyThreshold is { } emergency && used >= emergency
                && await gate.Store.TryMarkOnceAsync(budget.Id, status.Window.Key, "emergency:" + Money.Format(status.EffectiveLimit), cancellationToken))
            {
                var state = new EmergencyState(budget.Id, _time.GetUtcNow(), $"budget '{budget.DisplayName}' passed {emergency:P0} of its limit");
                if (await gate.Store.TryStartEmergencyAsync(state, cancellationToken))
                {
                    gate.Invalidate();
                    if (Audit is not null)
                    {
                        await new Tollgate.Audit.AuditRecorder(Audit, _time).RecordAsync("tollgate", "emergency.set", budget.Id, null, Tollgate.Audit.AuditViews.Emergency(state), cancellationToken);
                    }

                    fired.Add(await dispatcher.DispatchAsync(new Alert
                    {
                        At = state.Since,
                        Severity = AlertSeverity.Emergency,
                        Kind = "budget_emergency",
                        BudgetId = budget.Id,
                        WindowKey = status.Window.Key,
                        Message = $"EMERGENCY MODE: {state.Reason}; only the cheapest models at a throttled rate until an operator runs 'tollgate budget reset-emergency'",
                        Details = Details(status, emergency),
                    }, cancellationToken));
                }
            }
        }

        return fired;
    }

    /// <summary>Checks every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await CheckAsync(cancellationToken);
        }
    }

    private static Dictionary<string, string> WithRequest(Dictionary<string, string> details, IReadOnlyDictionary<string, string>? crossing, string budgetId)
    {
        if (crossing is not null && crossing.TryGetValue(budgetId, out var requestId))
        {
            details["request_id"] = requestId;
        }

        return details;
    }

    private static Dictionary<string, string> Details(BudgetStatus s, decimal threshold) => new()
    {
        ["threshold"] = threshold.ToString(CultureInfo.InvariantCulture),
        ["limit"] = Money.Format(s.EffectiveLimit),
        ["spent"] = Money.Format(s.Spent),
        ["held"] = Money.Format(s.Held),
        ["currency"] = s.Budget.Currency,
        ["resets_at"] = s.ResetsAt?.ToString("O", CultureInfo.InvariantCulture) ?? "never",
    };
}
