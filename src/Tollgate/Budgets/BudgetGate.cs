using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Costing;

namespace Tollgate.Budgets;

/// <summary>
/// Holds each request's worst case against every budget that applies (one atomic store call), refuses or
/// adapts requests that do not fit, and settles holds to the actual cost. Thread-safe; one per host.
/// </summary>
public sealed class BudgetGate : IBudgetGate
{
    private readonly IBudgetStore _store;
    private readonly InMemoryBudgetStore? _memory;
    private readonly TimeProvider _time;
    private readonly BudgetGateOptions _options;
    private readonly ILogger _logger;
    private readonly ReservationIds _ids = new();
    private readonly BudgetDefinitionCache _definitions;
    private readonly EmergencyStateCache _emergency;
    private readonly EmergencyThrottle _throttle;
    private readonly BudgetWindowReader _windows;
    private readonly BudgetRefusals _refusals;
    private readonly BudgetAdapter _adapter;
    private readonly BudgetPlanCache _plans;
    private readonly PlanReserver _planReserver;

    public BudgetGate(IBudgetStore store, IBudgetDefinitionStore definitions, TimeProvider? timeProvider = null, BudgetGateOptions? options = null, ILogger<BudgetGate>? logger = null)
    {
        _store = store;
        var local = store as ILocalBudgetCounters;
        _memory = store as InMemoryBudgetStore ?? local?.Memory;
        _time = timeProvider ?? TimeProvider.System;
        _options = options ?? new BudgetGateOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _definitions = new BudgetDefinitionCache(definitions, store, _time, _options, _logger);
        _emergency = new EmergencyStateCache(store, _options);
        _throttle = new EmergencyThrottle(store, _options);
        _windows = new BudgetWindowReader(store, _options);
        _refusals = new BudgetRefusals(_logger);
        _adapter = new BudgetAdapter(store, _windows, _refusals, _ids, _options, _logger);
        _plans = new BudgetPlanCache(_memory, local, _windows);
        _planReserver = new PlanReserver(_memory, _ids, _adapter, _refusals, _options, _logger);
    }

    public IBudgetStore Store => _store;

    /// <summary>
    /// Whether a request's <see cref="BudgetRequestShape"/> can matter now: an adaptive budget is defined, emergency mode is
    /// on, or the gate has not loaded yet. A host that builds shapes only then keeps the common path free of that work.
    /// </summary>
    public bool MayAdapt => _definitions.Current is not { HasAdaptive: false } || _emergency.Current is not { State: null };

    /// <summary>The exchange rates budgets in other currencies than USD are converted with (a budget's currency must have one).</summary>
    public IExchangeRateSource ExchangeRates => _options.ExchangeRates;

    public ValueTask<BudgetDecision> ReserveAsync(BudgetSubject subject, decimal worstCaseCost, string requestId, BudgetRequestShape? shape = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentOutOfRangeException.ThrowIfNegative(worstCaseCost);
        if (_memory is not null)
        {
            // Hot path, synchronous and lock-free: definitions, emergency flag and the plan for this subject's
            // budgets are cached and current, so the hold is a few compare-and-swaps on cached counter cells.
            var now = _time.GetUtcNow();
            var ticks = now.UtcTicks;
            var snapshot = _definitions.Current;
            var emergency = _emergency.Current;
            if (snapshot is not null && ticks - snapshot.LoadedTicks < _options.DefinitionRefresh.Ticks && ticks >= snapshot.LoadedTicks &&
                emergency is { State: null } && ticks - emergency.CheckedTicks < _options.StateRefresh.Ticks && ticks >= emergency.CheckedTicks &&
                shape is not { ScopedEmergency: true } && BudgetPlanCache.FindPlan(snapshot, subject, ticks) is { Fast: true } plan)
            {
                return _planReserver.Reserve(plan, snapshot, subject, worstCaseCost, requestId, shape, now, cancellationToken);
            }
        }

        return ReserveSlowAsync(subject, worstCaseCost, requestId, shape, cancellationToken);
    }

    private async ValueTask<BudgetDecision> ReserveSlowAsync(BudgetSubject subject, decimal worstCaseCost, string requestId, BudgetRequestShape? shape, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var snapshot = await _definitions.GetAsync(now, cancellationToken);

        BudgetAdaptation? emergencyAdaptation = null;
        var emergency = await _emergency.GetAsync(now, cancellationToken);
        if (emergency is not null)
        {
            var (allowed, retryAfter) = await _throttle.TryTakeAsync(now, cancellationToken);
            if (!allowed)
            {
                return new BudgetDecision
                {
                    Allowed = false,
                    Strategy = BudgetStrategy.RefusedEmergencyThrottle,
                    Reason = $"emergency mode (budget {emergency.BudgetId}): request rate limited to {_options.EmergencyRequestsPerMinute}/min; retry after {retryAfter.TotalSeconds:0}s",
                    RetryAfter = retryAfter,
                    EmergencyMode = true,
                };
            }
        }

        // Gateway-wide, or for this caller's scope only (an automated response): the cheapest eligible model.
        var inEmergency = emergency is not null || shape is { ScopedEmergency: true };
        if (inEmergency && shape?.Fallback is { } cheapest)
        {
            shape = shape with { Model = cheapest, Fallback = null };
            subject = subject with { Model = cheapest.Model, Provider = cheapest.Provider ?? subject.Provider };
            worstCaseCost = shape.WorstCase;
            emergencyAdaptation = new BudgetAdaptation
            {
                Applied = [AdaptiveStep.FallbackModel],
                MaxTokens = shape.MaxTokens,
                Model = cheapest.Model,
                Provider = cheapest.Provider,
                Temperature = shape.Temperature,
                WorstCase = worstCaseCost,
            };
        }

        if (_memory is not null && !inEmergency && await _plans.GetPlanAsync(snapshot, subject, now, cancellationToken) is { Fast: true } plan)
        {
            return await _planReserver.Reserve(plan, snapshot, subject, worstCaseCost, requestId, shape, now, cancellationToken);
        }

        var applicable = await _windows.ApplicableAsync(snapshot, subject, now, cancellationToken);
        List<string>? warnings = null;
        var adaptiveCapped = false;
        foreach (var rt in applicable)
        {
            if (rt.Budget.PerRequestLimit is not { } perRequest)
            {
                continue;
            }

            var needed = worstCaseCost * rt.UnitsPerUsd;
            if (needed <= perRequest)
            {
                continue;
            }

            if (rt.Budget.Enforcement == BudgetEnforcement.Adaptive && shape is not null)
            {
                adaptiveCapped = true;
            }
            else if (rt.Budget.Enforces)
            {
                return new BudgetDecision
                {
                    Allowed = false,
                    Strategy = BudgetStrategy.RefusedPerRequestLimit,
                    Reason = $"request worst case {Money.Format(needed)} {rt.Budget.Currency} is above budget '{rt.Budget.DisplayName}' per-request limit {Money.Format(perRequest)}",
                    Trip = BudgetRefusals.TripFor(rt, 0, 0, needed, perRequest),
                    EmergencyMode = inEmergency,
                };
            }
            else
            {
                (warnings ??= []).Add($"{rt.Budget.Id}: above per-request limit");
            }
        }

        if (!adaptiveCapped)
        {
            var reservationId = _ids.Next();
            var (lines, rates) = BudgetHoldLines.Build(applicable, worstCaseCost);
            var expires = now + _options.HoldTtl;
            var outcome = lines.Length == 0 ? HoldOutcome.Success() : await _store.TryHoldAsync(new HoldRequest(reservationId, lines, now, expires), cancellationToken);
            if (outcome.Held)
            {
                if (outcome.OverLimitLines != 0)
                {
                    BudgetHoldLines.AddOverWarnings(applicable, outcome.OverLimitLines, warnings ??= []);
                }

                var strategy = emergencyAdaptation is not null ? BudgetStrategy.Emergency : warnings is not null ? BudgetStrategy.AllowedOverSoftLimit : BudgetStrategy.Allowed;
                if (warnings is not null)
                {
                    _logger.LogWarning("Request {RequestId} allowed over soft/warn budget(s): {Budgets}", requestId, string.Join(", ", warnings));
                }

                return new BudgetDecision
                {
                    Allowed = true,
                    Strategy = strategy,
                    Reason = strategy switch
                    {
                        BudgetStrategy.Emergency => "allowed in emergency mode on the cheapest eligible model",
                        BudgetStrategy.AllowedOverSoftLimit => "allowed over soft limit: " + string.Join("; ", warnings!),
                        _ => applicable.Length == 0 ? "no budget applies" : "fits every budget that applies",
                    },
                    Reservation = new BudgetReservation(reservationId, requestId, lines, rates, worstCaseCost, expires),
                    Adaptation = emergencyAdaptation,
                    Warnings = (IReadOnlyList<string>?)warnings ?? [],
                    EmergencyMode = inEmergency,
                };
            }

            var tripped = applicable[outcome.FailedLine];
            if (tripped.Budget.Enforcement != BudgetEnforcement.Adaptive || shape is null)
            {
                return _refusals.Refuse(tripped, outcome.SpentNanos, outcome.HeldNanos, lines[outcome.FailedLine].AmountNanos, inEmergency);
            }
        }

        return await _adapter.AdaptAsync(snapshot, subject, shape!, requestId, now, warnings ?? [], inEmergency, emergencyAdaptation, cancellationToken);
    }

    public ValueTask<bool> SettleAsync(BudgetReservation reservation, decimal actualCost, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentOutOfRangeException.ThrowIfNegative(actualCost);
        if (reservation.Plan is { } plan)
        {
            if (reservation.Hold is not { } hold)
            {
                return ValueTask.FromResult(true); // no budget applied
            }

            var amounts = plan.Amounts(actualCost, out var uniform);
            return ValueTask.FromResult(reservation.Store!.SettleTracked(hold, uniform, amounts));
        }

        return SettleSlowAsync(reservation, actualCost, cancellationToken);
    }

    private async ValueTask<bool> SettleSlowAsync(BudgetReservation reservation, decimal actualCost, CancellationToken cancellationToken)
    {
        var lines = reservation.Lines;
        if (lines.Count == 0)
        {
            return true;
        }

        var actual = new long[lines.Count];
        for (var i = 0; i < actual.Length; i++)
        {
            actual[i] = Money.ToNanosCeiling(actualCost * reservation.UnitsPerUsd[i]);
        }

        return await _store.SettleAsync(reservation.Id, lines, actual, _time.GetUtcNow(), cancellationToken);
    }

    public async ValueTask<IReadOnlyList<BudgetStatus>> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var snapshot = await _definitions.GetAsync(now, cancellationToken);
        var emergency = await _store.GetEmergencyAsync(cancellationToken);
        var result = new List<BudgetStatus>(snapshot.Runtimes.Length);
        foreach (var rt in snapshot.Runtimes)
        {
            var w = await _windows.WindowAsync(rt, now, cancellationToken);
            var (spent, held) = await _windows.SumAsync(rt.Budget.Id, w.Window, now, cancellationToken);
            var effective = Money.FromNanos(w.LimitNanos);
            var spentMoney = Money.FromNanos(spent);
            decimal? days = null;
            if (w.Window.Start is { } start && spent > 0 && now > start)
            {
                var elapsedDays = (decimal)(now - start).TotalSeconds / 86_400m;
                var perDay = spentMoney / elapsedDays;
                days = Math.Round(Math.Max(0m, effective - spentMoney - Money.FromNanos(held)) / perDay, 2);
            }

            result.Add(new BudgetStatus
            {
                Budget = rt.Budget,
                Window = w.Window,
                EffectiveLimit = effective,
                RolledOver = Money.FromNanos(w.RolledOverNanos),
                Spent = spentMoney,
                Held = Money.FromNanos(held),
                DaysUntilExhausted = days,
                Emergency = emergency,
            });
        }

        return result;
    }

    /// <summary>Ends emergency mode (operator action).</summary>
    public async ValueTask<bool> ResetEmergencyAsync(CancellationToken cancellationToken = default)
    {
        var reset = await _store.ResetEmergencyAsync(cancellationToken);
        _emergency.Forget();
        return reset;
    }

    /// <summary>Forgets cached definitions, windows and emergency state (after an admin change).</summary>
    public void Invalidate()
    {
        _definitions.Invalidate();
        _emergency.Forget();
    }
}
