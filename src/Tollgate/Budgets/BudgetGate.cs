using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
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
    private readonly ILocalBudgetCounters? _local;
    private readonly IBudgetDefinitionStore _definitions;
    private readonly TimeProvider _time;
    private readonly BudgetGateOptions _options;
    private readonly ILogger _logger;
    private readonly string _idPrefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + "-";
    private readonly Lock _throttleLock = new();

    /// <summary>How long counting a new budget's earlier spend waits for the host's pending ledger records.</summary>
    private static readonly TimeSpan LedgerFlushWait = TimeSpan.FromSeconds(1);

    /// <summary>The definitions the gate last loaded (kept across <see cref="Invalidate"/>): a budget not among them is new.</summary>
    private IReadOnlyList<Budget>? _known;
    private Snapshot? _snapshot;
    private long _sequence;
    private EmergencyCache? _emergency;
    private long _throttleMinute = -1;
    private int _throttleCount;

    public BudgetGate(IBudgetStore store, IBudgetDefinitionStore definitions, TimeProvider? timeProvider = null, BudgetGateOptions? options = null, ILogger<BudgetGate>? logger = null)
    {
        _store = store;
        _local = store as ILocalBudgetCounters;
        _memory = store as InMemoryBudgetStore ?? _local?.Memory;
        _definitions = definitions;
        _time = timeProvider ?? TimeProvider.System;
        _options = options ?? new BudgetGateOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public IBudgetStore Store => _store;

    /// <summary>
    /// Whether a request's <see cref="BudgetRequestShape"/> can matter now: an adaptive budget is defined, emergency mode is
    /// on, or the gate has not loaded yet. A host that builds shapes only then keeps the common path free of that work.
    /// </summary>
    public bool MayAdapt => Volatile.Read(ref _snapshot) is not { HasAdaptive: false } || Volatile.Read(ref _emergency) is not { State: null };

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
            var snapshot = Volatile.Read(ref _snapshot);
            var emergency = Volatile.Read(ref _emergency);
            if (snapshot is not null && ticks - snapshot.LoadedTicks < _options.DefinitionRefresh.Ticks && ticks >= snapshot.LoadedTicks &&
                emergency is { State: null } && ticks - emergency.CheckedTicks < _options.StateRefresh.Ticks && ticks >= emergency.CheckedTicks &&
                shape is not { ScopedEmergency: true } && FindPlan(snapshot, subject, ticks) is { Fast: true } plan)
            {
                return ReserveFast(plan, snapshot, subject, worstCaseCost, requestId, shape, now, cancellationToken);
            }
        }

        return ReserveSlowAsync(subject, worstCaseCost, requestId, shape, cancellationToken);
    }

    private async ValueTask<BudgetDecision> ReserveSlowAsync(BudgetSubject subject, decimal worstCaseCost, string requestId, BudgetRequestShape? shape, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var snapshot = await GetSnapshotAsync(now, cancellationToken);

        BudgetAdaptation? emergencyAdaptation = null;
        var emergency = await GetEmergencyAsync(now, cancellationToken);
        if (emergency is not null)
        {
            var (allowed, retryAfter) = await TryTakeThrottleAsync(now, cancellationToken);
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

        if (_memory is not null && !inEmergency && await GetPlanAsync(snapshot, subject, now, cancellationToken) is { Fast: true } plan)
        {
            return await ReserveFast(plan, snapshot, subject, worstCaseCost, requestId, shape, now, cancellationToken);
        }

        var applicable = await ApplicableAsync(snapshot, subject, now, cancellationToken);
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
                    Trip = TripFor(rt, 0, 0, needed, perRequest),
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
            var reservationId = NextReservationId();
            var (lines, rates) = BuildLines(applicable, worstCaseCost);
            var expires = now + _options.HoldTtl;
            var outcome = lines.Length == 0 ? HoldOutcome.Success() : await _store.TryHoldAsync(new HoldRequest(reservationId, lines, now, expires), cancellationToken);
            if (outcome.Held)
            {
                if (outcome.OverLimitLines != 0)
                {
                    AddOverWarnings(applicable, outcome.OverLimitLines, warnings ??= []);
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
                return Refusal(tripped, outcome.SpentNanos, outcome.HeldNanos, lines[outcome.FailedLine].AmountNanos, inEmergency);
            }
        }

        return await AdaptAsync(snapshot, subject, shape!, requestId, now, warnings ?? [], inEmergency, emergencyAdaptation, cancellationToken);
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
        var snapshot = await GetSnapshotAsync(now, cancellationToken);
        var emergency = await _store.GetEmergencyAsync(cancellationToken);
        var result = new List<BudgetStatus>(snapshot.Runtimes.Length);
        foreach (var rt in snapshot.Runtimes)
        {
            var w = await WindowAsync(rt, now, cancellationToken);
            var (spent, held) = await SumAsync(rt.Budget.Id, w.Window, now, cancellationToken);
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
        Volatile.Write(ref _emergency, null);
        return reset;
    }

    /// <summary>Forgets cached definitions, windows and emergency state (after an admin change).</summary>
    public void Invalidate()
    {
        Volatile.Write(ref _snapshot, null);
        Volatile.Write(ref _emergency, null);
    }

    private async ValueTask<BudgetDecision> AdaptAsync(Snapshot snapshot, BudgetSubject subject, BudgetRequestShape shape, string requestId, DateTimeOffset now, List<string> warnings, bool emergency, BudgetAdaptation? emergencyAdaptation, CancellationToken cancellationToken)
    {
        BudgetDecision? refusal = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var state = new AdaptState(shape, subject);
            var limits = await AllowanceAsync(snapshot, state.Subject, now, cancellationToken);
            var lowerEnabled = false;
            if (state.WorstCase > limits.AllowedUsd)
            {
                foreach (var step in _options.AdaptiveOrder)
                {
                    switch (step)
                    {
                        case AdaptiveStep.LowerMaxTokens:
                            lowerEnabled = true;
                            state.LowerMaxTokens(limits.AllowedUsd, _options.MinMaxTokens);
                            break;
                        case AdaptiveStep.FallbackModel when state.Shape.Fallback is { } fallback:
                            state.SwitchTo(fallback);
                            limits = await AllowanceAsync(snapshot, state.Subject, now, cancellationToken);
                            break;
                        case AdaptiveStep.DropTools when state.HasTools:
                            state.HasTools = false;
                            break;
                        case AdaptiveStep.LowerTemperature when state.Temperature is { } t && t > _options.LowTemperature:
                            state.Temperature = _options.LowTemperature;
                            break;
                    }

                    if (lowerEnabled)
                    {
                        state.LowerMaxTokens(limits.AllowedUsd, _options.MinMaxTokens);
                    }

                    state.Reached.Add(step);
                    if (state.WorstCase <= limits.AllowedUsd)
                    {
                        break;
                    }
                }
            }

            if (state.WorstCase > limits.AllowedUsd)
            {
                return limits.Tightest is { } tight
                    ? Refusal(tight.Runtime, tight.Spent, tight.Held, Money.ToNanosCeiling(state.WorstCase * tight.Runtime.UnitsPerUsd), emergency,
                        "does not fit even after adapting (" + string.Join(", ", state.AppliedSteps(shape, _options.AdaptiveOrder)) + ")")
                    : new BudgetDecision { Allowed = false, Strategy = BudgetStrategy.Refused, Reason = "does not fit any adaptation", EmergencyMode = emergency };
            }

            var worst = state.WorstCase;
            var reservationId = NextReservationId();
            var (lines, rates) = BuildLines(limits.Applicable, worst);
            var expires = now + _options.HoldTtl;
            var outcome = lines.Length == 0 ? HoldOutcome.Success() : await _store.TryHoldAsync(new HoldRequest(reservationId, lines, now, expires), cancellationToken);
            if (outcome.Held)
            {
                AddOverWarnings(limits.Applicable, outcome.OverLimitLines, warnings);
                var applied = state.AppliedSteps(shape, _options.AdaptiveOrder);
                if (emergencyAdaptation is not null && !applied.Contains(AdaptiveStep.FallbackModel))
                {
                    applied.Insert(0, AdaptiveStep.FallbackModel);
                }

                var adaptation = new BudgetAdaptation
                {
                    Applied = applied,
                    MaxTokens = state.MaxTokens,
                    Model = state.Shape.Model.Model,
                    Provider = state.Shape.Model.Provider,
                    DropTools = shape.HasTools && !state.HasTools,
                    Temperature = state.Temperature,
                    WorstCase = worst,
                };
                _logger.LogInformation("Request {RequestId} adapted to fit budgets: {Steps}", requestId, string.Join(", ", applied));
                return new BudgetDecision
                {
                    Allowed = true,
                    Strategy = applied.Count == 0 ? BudgetStrategy.Allowed : BudgetStrategy.Adapted,
                    Reason = applied.Count == 0 ? "fits after re-checking" : "adapted to fit the remaining budget: " + string.Join(", ", applied.Select(StepText)),
                    Reservation = new BudgetReservation(reservationId, requestId, lines, rates, worst, expires),
                    Adaptation = adaptation,
                    Warnings = warnings,
                    EmergencyMode = emergency,
                };
            }

            // Another request took the room between reading and holding: re-read and adapt again.
            refusal = Refusal(limits.Applicable[outcome.FailedLine], outcome.SpentNanos, outcome.HeldNanos, lines[outcome.FailedLine].AmountNanos, emergency);
        }

        return refusal!;
    }

    private static string StepText(AdaptiveStep step) => step switch
    {
        AdaptiveStep.LowerMaxTokens => "lowered max_tokens",
        AdaptiveStep.FallbackModel => "switched to fallback model",
        AdaptiveStep.DropTools => "dropped tools",
        _ => "lowered temperature",
    };

    /// <summary>What the enforced budgets for <paramref name="subject"/> still allow, in USD.</summary>
    private async ValueTask<Allowance> AllowanceAsync(Snapshot snapshot, BudgetSubject subject, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var applicable = await ApplicableAsync(snapshot, subject, now, cancellationToken);
        var allowed = decimal.MaxValue;
        Tight? tightest = null;
        foreach (var rt in applicable)
        {
            if (!rt.Budget.Enforces)
            {
                continue;
            }

            var w = await WindowAsync(rt, now, cancellationToken);
            var (spent, held) = await SumAsync(rt.Budget.Id, w.Window, now, cancellationToken);
            var remainingUsd = Money.FromNanos(Math.Max(0, w.LimitNanos - spent - held)) / rt.UnitsPerUsd;
            if (rt.Budget.Enforcement == BudgetEnforcement.Adaptive && rt.Budget.PerRequestLimit is { } perRequest)
            {
                remainingUsd = Math.Min(remainingUsd, perRequest / rt.UnitsPerUsd);
            }

            // Round down to whole nanos so a bound computed here never rounds up past the limit.
            remainingUsd = decimal.Floor(remainingUsd * Money.NanosPerUnit) / Money.NanosPerUnit;
            if (remainingUsd < allowed)
            {
                allowed = remainingUsd;
                tightest = new Tight(rt, spent, held);
            }
        }

        return new Allowance(applicable, allowed, tightest);
    }

    private async ValueTask<(long Spent, long Held)> SumAsync(string budgetId, BudgetWindow window, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var c = await _store.GetCounterAsync(budgetId, window.Key, now, cancellationToken);
        long spent = c.SpentNanos, held = c.HeldNanos;
        foreach (var key in window.PastKeys)
        {
            var p = await _store.GetCounterAsync(budgetId, key, now, cancellationToken);
            spent += p.SpentNanos;
            held += p.HeldNanos;
        }

        return (spent, held);
    }

    private BudgetDecision Refusal(BudgetRuntime rt, long spent, long held, long neededNanos, bool emergency, string? detail = null) =>
        Refusal(rt, rt.Window!, spent, held, neededNanos, emergency, detail);

    private BudgetDecision Refusal(BudgetRuntime rt, WindowState w, long spent, long held, long neededNanos, bool emergency, string? detail = null)
    {
        var trip = TripFor(rt, w, spent, held, Money.FromNanos(neededNanos), Money.FromNanos(w.LimitNanos));
        _logger.LogWarning("Budget '{Budget}' refused a request: needs {Needed}, {Remaining} {Currency} left", rt.Budget.Id, trip.Needed, trip.Remaining, trip.Currency);
        return new BudgetDecision
        {
            Allowed = false,
            Strategy = BudgetStrategy.Refused,
            Reason = $"budget '{rt.Budget.DisplayName}' ({rt.Budget.Id}) {detail ?? "would be exceeded"}: limit {Money.Format(trip.Limit)} {trip.Currency}, spent {Money.Format(trip.Spent)}, held {Money.Format(trip.Held)}, needed {Money.Format(trip.Needed)}" +
                (trip.ResetsAt is { } r ? ", resets at " + r.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : ", lifetime budget"),
            Trip = trip,
            EmergencyMode = emergency,
        };
    }

    private static BudgetTrip TripFor(BudgetRuntime rt, long spent, long held, decimal needed, decimal limit) => TripFor(rt, rt.Window, spent, held, needed, limit);

    private static BudgetTrip TripFor(BudgetRuntime rt, WindowState? w, long spent, long held, decimal needed, decimal limit) => new()
    {
        BudgetId = rt.Budget.Id,
        BudgetName = rt.Budget.DisplayName,
        Currency = rt.Budget.Currency,
        Limit = limit,
        Spent = Money.FromNanos(spent),
        Held = Money.FromNanos(held),
        Needed = needed,
        WindowKey = w?.Window.Key ?? "",
        ResetsAt = w?.Window.End,
        Scope = rt.Budget.Scope,
    };

    private static void AddOverWarnings(BudgetRuntime[] applicable, ulong mask, List<string> warnings)
    {
        if (mask == 0)
        {
            return;
        }

        for (var i = 0; i < applicable.Length && i < 64; i++)
        {
            if ((mask & (1UL << i)) != 0)
            {
                warnings.Add($"{applicable[i].Budget.Id}: over its {applicable[i].Budget.Enforcement.ToString().ToLowerInvariant()} limit");
            }
        }
    }

    private static (HoldLine[] Lines, decimal[] Rates) BuildLines(BudgetRuntime[] applicable, decimal worstCaseUsd)
    {
        if (applicable.Length == 0)
        {
            return ([], []);
        }

        var lines = new HoldLine[applicable.Length];
        var rates = new decimal[applicable.Length];
        for (var i = 0; i < applicable.Length; i++)
        {
            var rt = applicable[i];
            var w = rt.Window!;
            rates[i] = rt.UnitsPerUsd;
            var amount = rt.UnitsPerUsd == 1m ? Money.ToNanosCeiling(worstCaseUsd) : Money.ToNanosCeiling(worstCaseUsd * rt.UnitsPerUsd);
            lines[i] = new HoldLine(rt.Budget.Id, w.Window.Key, w.LimitNanos, amount)
            {
                PastWindowKeys = w.Window.PastKeys,
                Enforced = rt.Budget.Enforces,
            };
        }

        return (lines, rates);
    }

    private ValueTask<BudgetRuntime[]> ApplicableAsync(Snapshot snapshot, BudgetSubject subject, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Hot path without an async state machine: every matching budget's window is cached and current.
        var runtimes = snapshot.Runtimes;
        var ticks = now.UtcTicks;
        var count = 0;
        foreach (var rt in runtimes)
        {
            if (rt.Budget.Scope.Matches(subject))
            {
                var w = Volatile.Read(ref rt.Window);
                if (w is null || ticks >= w.ValidUntilTicks || ticks < w.ValidFromTicks)
                {
                    return ApplicableSlowAsync(snapshot, subject, now, cancellationToken);
                }

                count++;
            }
        }

        if (count == runtimes.Length)
        {
            return ValueTask.FromResult(runtimes);
        }

        var result = new BudgetRuntime[count];
        var n = 0;
        foreach (var rt in runtimes)
        {
            if (rt.Budget.Scope.Matches(subject))
            {
                result[n++] = rt;
            }
        }

        return ValueTask.FromResult(result);
    }

    private async ValueTask<BudgetRuntime[]> ApplicableSlowAsync(Snapshot snapshot, BudgetSubject subject, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = new List<BudgetRuntime>();
        foreach (var rt in snapshot.Runtimes)
        {
            if (rt.Budget.Scope.Matches(subject))
            {
                await WindowAsync(rt, now, cancellationToken);
                result.Add(rt);
            }
        }

        return [.. result];
    }

    private async ValueTask<WindowState> WindowAsync(BudgetRuntime rt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref rt.Window);
        var ticks = now.UtcTicks;
        if (cached is not null && ticks < cached.ValidUntilTicks && ticks >= cached.ValidFromTicks)
        {
            return cached;
        }

        var budget = rt.Budget;
        var window = BudgetWindows.Current(budget, now);
        var limit = Money.ToNanos(budget.Limit);
        long rolled = 0;
        var validUntil = window.End?.UtcTicks ?? long.MaxValue;
        // Rollover credits only a window the budget existed in: a budget created today inherits nothing from yesterday.
        if (budget.Rollover && BudgetWindows.Previous(budget, window) is { } previous && !(budget.CreatedAt is { } created && previous.End <= created))
        {
            var prev = await _store.GetCounterAsync(budget.Id, previous.Key, now, cancellationToken);
            var cap = Money.ToNanos(budget.MaxRollover ?? budget.Limit);
            rolled = Math.Clamp(limit - prev.SpentNanos - prev.HeldNanos, 0, cap);

            // Late settles of the previous window change what is left over: re-read now and then.
            validUntil = Math.Min(validUntil, ticks + _options.StateRefresh.Ticks);
        }

        var state = new WindowState(window, limit + rolled, rolled, window.Start?.UtcTicks ?? long.MinValue, validUntil);
        Volatile.Write(ref rt.Window, state);
        return state;
    }

    private ValueTask<Snapshot> GetSnapshotAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        return snapshot is not null && now.UtcTicks - snapshot.LoadedTicks < _options.DefinitionRefresh.Ticks && now.UtcTicks >= snapshot.LoadedTicks
            ? ValueTask.FromResult(snapshot)
            : LoadSnapshotAsync(snapshot, now, cancellationToken);
    }

    private async ValueTask<Snapshot> LoadSnapshotAsync(Snapshot? snapshot, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var budgets = await _definitions.ListAsync(cancellationToken);
        if (snapshot is not null && ReferenceEquals(budgets, snapshot.Source) && RatesCurrent(snapshot))
        {
            snapshot = snapshot with { LoadedTicks = now.UtcTicks };
        }
        else
        {
            var runtimes = new List<BudgetRuntime>(budgets.Count);
            foreach (var b in budgets)
            {
                if (!_options.ExchangeRates.TryGetRate(b.Currency, out var rate))
                {
                    // A budget nobody can convert into: enforce it at rate 1 would be wrong; skip it loudly.
                    _logger.LogError("Budget '{Budget}' is in {Currency}, which has no exchange rate configured: it is not enforced", b.Id, b.Currency);
                    continue;
                }

                var old = snapshot?.Runtimes.FirstOrDefault(r => r.Budget == b && r.UnitsPerUsd == rate);
                if (old is null && (_known is not { } known || IsNewOrReshaped(known, b)))
                {
                    await CountEarlierSpendAsync(b, now, cancellationToken);
                }

                runtimes.Add(old ?? new BudgetRuntime(b, rate));
            }

            snapshot = NewSnapshot(budgets, [.. runtimes], now.UtcTicks);
        }

        _known = budgets;
        Volatile.Write(ref _snapshot, snapshot);
        return snapshot;
    }

    /// <summary>True when <paramref name="budget"/>'s counters mean something new: an id not seen before, or another scope, period, time zone or currency.</summary>
    private static bool IsNewOrReshaped(IReadOnlyList<Budget> known, Budget budget)
    {
        foreach (var rt in known)
        {
            if (rt.Id == budget.Id)
            {
                return rt.Scope != budget.Scope || rt.Period != budget.Period || rt.TimeZone != budget.TimeZone || rt.Currency != budget.Currency;
            }
        }

        return true;
    }

    /// <summary>
    /// Sets the current window's counters of a budget no gate has counted yet from the ledger (after the host's pending
    /// records are written), so a budget defined mid-window counts the window's earlier spend at once.
    /// </summary>
    private async ValueTask CountEarlierSpendAsync(Budget budget, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_options.Ledger is not { } ledger)
        {
            return;
        }

        // Once per definition (id and shape) across every process on the store: whichever gate sees it first counts it —
        // also a budget defined while no gate ran (the CLI on a shared store), seen at the next start.
        var shape = string.Join('|', "counted", budget.Scope.ToString(), budget.Period.ToString(), budget.TimeZone, budget.Currency);
        if (!await _store.TryMarkOnceAsync(budget.Id, "definition", shape, cancellationToken))
        {
            return;
        }

        try
        {
            if (_options.FlushLedgerAsync is { } flush)
            {
                // Bounded: under steady load a host's queue is never empty, and the records already durable are most of it.
                using var timeout = new CancellationTokenSource(LedgerFlushWait, _time);
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                try
                {
                    await flush(bounded.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    _logger.LogWarning("Budget '{Budget}': the host's ledger records were not all durable within {Wait}; counting what is", budget.Id, LedgerFlushWait);
                }
            }

            var spent = await BudgetRecompute.RecomputeAsync(budget, ledger, _store, now, _options.ExchangeRates, cancellationToken);
            _logger.LogInformation("Budget '{Budget}' counts {Spent} {Currency} spent earlier in its window", budget.Id, spent, budget.Currency);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError("Budget '{Budget}': its window's earlier spend could not be counted from the ledger: {Error}", budget.Id, ex.Message);
        }
    }

    /// <summary>False when a dated exchange rate came into force since the snapshot was built (its budgets convert anew).</summary>
    private bool RatesCurrent(Snapshot snapshot)
    {
        foreach (var rt in snapshot.Runtimes)
        {
            if (rt.UnitsPerUsd != 1m || rt.Budget.Currency != "USD")
            {
                if (!_options.ExchangeRates.TryGetRate(rt.Budget.Currency, out var rate) || rate != rt.UnitsPerUsd)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private ValueTask<EmergencyState?> GetEmergencyAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref _emergency);
        return cached is not null && now.UtcTicks - cached.CheckedTicks < _options.StateRefresh.Ticks && now.UtcTicks >= cached.CheckedTicks
            ? ValueTask.FromResult(cached.State)
            : LoadEmergencyAsync(now, cancellationToken);
    }

    private async ValueTask<EmergencyState?> LoadEmergencyAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var state = await _store.GetEmergencyAsync(cancellationToken);
        Volatile.Write(ref _emergency, new EmergencyCache(state, now.UtcTicks));
        return state;
    }

    private async ValueTask<(bool Allowed, TimeSpan RetryAfter)> TryTakeThrottleAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_store is ISharedEmergencyThrottle shared)
        {
            var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
            if (await shared.TryTakeEmergencySlotAsync(minute, _options.EmergencyRequestsPerMinute, cancellationToken) is { } ok)
            {
                return (ok, ok ? TimeSpan.Zero : TimeSpan.FromTicks(((minute + 1) * TimeSpan.TicksPerMinute) - now.UtcTicks));
            }
        }

        var local = TryTakeThrottle(now, out var retryAfter);
        return (local, retryAfter);
    }

    private bool TryTakeThrottle(DateTimeOffset now, out TimeSpan retryAfter)
    {
        var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
        lock (_throttleLock)
        {
            if (minute != _throttleMinute)
            {
                _throttleMinute = minute;
                _throttleCount = 0;
            }

            if (_throttleCount < _options.EmergencyRequestsPerMinute)
            {
                _throttleCount++;
                retryAfter = TimeSpan.Zero;
                return true;
            }
        }

        retryAfter = TimeSpan.FromTicks(((minute + 1) * TimeSpan.TicksPerMinute) - now.UtcTicks);
        return false;
    }

    private string NextReservationId() =>
        string.Concat(_idPrefix, Interlocked.Increment(ref _sequence).ToString("x", CultureInfo.InvariantCulture));

    /// <summary>
    /// Budgets grouped by the tenant they name, so resolving a subject's budgets looks at its tenant's and the
    /// tenant-less ones only (in definition order, which is the order of the hold lines).
    /// </summary>
    private static Snapshot NewSnapshot(IReadOnlyList<Budget> source, BudgetRuntime[] runtimes, long loadedTicks)
    {
        var byTenant = new Dictionary<string, CandidateGroup>(StringComparer.Ordinal);
        foreach (var tenant in runtimes.Select(r => r.Budget.Scope.Tenant).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            byTenant[tenant] = new CandidateGroup([.. runtimes.Where(r => r.Budget.Scope.Tenant is null || r.Budget.Scope.Tenant == tenant)]);
        }

        return new Snapshot(source, runtimes, loadedTicks, byTenant, new CandidateGroup([.. runtimes.Where(r => r.Budget.Scope.Tenant is null)]));
    }

    /// <summary>The cached plan for <paramref name="subject"/> if it is current; null sends the caller to the slow path.</summary>
    private static GatePlan? FindPlan(Snapshot snapshot, BudgetSubject subject, long ticks)
    {
        var group = GroupOf(snapshot, subject);
        if (!TryMask(group, subject, out var mask))
        {
            return null;
        }

        var plan = Volatile.Read(ref group.Last);
        if ((plan is null || plan.Mask != mask) && !group.Plans.TryGetValue(mask, out plan))
        {
            return null;
        }

        return ticks >= plan.ValidFromTicks && ticks < plan.ValidUntilTicks ? plan : null;
    }

    private static CandidateGroup GroupOf(Snapshot snapshot, BudgetSubject subject) =>
        subject.Tenant is { } tenant && snapshot.ByTenant.TryGetValue(tenant, out var group) ? group : snapshot.NoTenant;

    /// <summary>Bit i set when candidate i applies; false when there are too many candidates to cache by mask.</summary>
    private static bool TryMask(CandidateGroup group, BudgetSubject subject, out ulong mask)
    {
        mask = 0;
        var candidates = group.Candidates;
        if (candidates.Length > 64)
        {
            return false;
        }

        for (var i = 0; i < candidates.Length; i++)
        {
            if (candidates[i].Budget.Scope.Matches(subject))
            {
                mask |= 1UL << i;
            }
        }

        return true;
    }

    /// <summary>Finds or builds (reading windows, and rolled-over amounts, from the store) the plan for <paramref name="subject"/>.</summary>
    private async ValueTask<GatePlan> GetPlanAsync(Snapshot snapshot, BudgetSubject subject, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ticks = now.UtcTicks;
        if (FindPlan(snapshot, subject, ticks) is { } cached)
        {
            return cached;
        }

        var memory = _memory!;
        var group = GroupOf(snapshot, subject);
        var cacheable = TryMask(group, subject, out var mask);
        var applicable = new List<BudgetRuntime>();
        var windows = new List<WindowState>();
        foreach (var rt in group.Candidates)
        {
            if (rt.Budget.Scope.Matches(subject))
            {
                applicable.Add(rt);
                windows.Add(await WindowAsync(rt, now, cancellationToken));
            }
        }

        var n = applicable.Count;
        var templates = new HoldLine[n];
        var rates = new decimal[n];
        var counters = new BudgetCounterCell[n];
        BudgetCounterCell[]?[]? past = null;
        long validFrom = long.MinValue, validUntil = long.MaxValue;
        var fast = true;
        for (var i = 0; i < n; i++)
        {
            var rt = applicable[i];
            var w = windows[i];
            if (_local is not null)
            {
                await _local.LoadAsync(rt.Budget.Id, w.Window.Key, cancellationToken);
                foreach (var key in w.Window.PastKeys)
                {
                    await _local.LoadAsync(rt.Budget.Id, key, cancellationToken);
                }
            }

            templates[i] = new HoldLine(rt.Budget.Id, w.Window.Key, w.LimitNanos, 0) { PastWindowKeys = w.Window.PastKeys, Enforced = rt.Budget.Enforces };
            rates[i] = rt.UnitsPerUsd;
            counters[i] = memory.Counter(rt.Budget.Id, w.Window.Key);
            if (w.Window.PastKeys.Count > 0)
            {
                past ??= new BudgetCounterCell[]?[n];
                past[i] = [.. w.Window.PastKeys.Select(k => memory.Counter(rt.Budget.Id, k))];
            }

            validFrom = Math.Max(validFrom, w.ValidFromTicks);
            validUntil = Math.Min(validUntil, w.ValidUntilTicks);

            // Per-request limits (refusal or adaptive capping before any hold) stay on the general path.
            fast &= rt.Budget.PerRequestLimit is null;
        }

        var plan = new GatePlan(mask, [.. applicable], [.. windows], new BudgetHoldPlan(templates, rates, counters, past), validFrom, validUntil, fast);
        if (cacheable)
        {
            group.Plans[mask] = plan;
            Volatile.Write(ref group.Last, plan);
        }

        return plan;
    }

    /// <summary>
    /// Holds the worst case on every line of <paramref name="plan"/> by compare-and-swap, giving back the lines
    /// already taken when one refuses (all-or-nothing); completes synchronously unless adaptive enforcement runs.
    /// </summary>
    private ValueTask<BudgetDecision> ReserveFast(GatePlan plan, Snapshot snapshot, BudgetSubject subject, decimal worstCaseCost, string requestId, BudgetRequestShape? shape, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var memory = _memory!;
        var hp = plan.Hold;
        var expires = now + _options.HoldTtl;
        if (hp.Templates.Length == 0)
        {
            return ValueTask.FromResult(new BudgetDecision
            {
                Allowed = true,
                Strategy = BudgetStrategy.Allowed,
                Reason = "no budget applies",
                Reservation = new BudgetReservation(_idPrefix, Interlocked.Increment(ref _sequence), requestId, hp, null, memory, worstCaseCost, expires),
            });
        }

        var amounts = hp.Amounts(worstCaseCost, out var uniform);
        memory.SweepIfDue(now.UtcTicks);
        var counters = hp.Counters;
        ulong over = 0;
        for (var i = 0; i < counters.Length; i++)
        {
            var amount = amounts is null ? uniform : amounts[i];
            var line = hp.Templates[i];
            long pastUsed = 0, pastSpent = 0;
            if (hp.Past?[i] is { } past)
            {
                foreach (var p in past)
                {
                    pastUsed += Volatile.Read(ref p.Used);
                    pastSpent += Volatile.Read(ref p.Spent);
                }
            }

            if (!counters[i].TryTake(amount, line.LimitNanos - pastUsed, line.Enforced, out var lineOver, out var used))
            {
                for (var j = 0; j < i; j++)
                {
                    Interlocked.Add(ref counters[j].Used, -(amounts is null ? uniform : amounts[j]));
                }

                var rt = plan.Applicable[i];
                if (rt.Budget.Enforcement == BudgetEnforcement.Adaptive && shape is not null)
                {
                    return AdaptAsync(snapshot, subject, shape, requestId, now, [], false, null, cancellationToken);
                }

                var spent = Volatile.Read(ref counters[i].Spent);
                return ValueTask.FromResult(Refusal(rt, plan.Windows[i], spent + pastSpent, used - spent + (pastUsed - pastSpent), amount, false));
            }

            if (lineOver && i < 64)
            {
                over |= 1UL << i;
            }
        }

        var hold = new LocalHold(counters, uniform, amounts, expires.UtcTicks, false);
        memory.Track(hold);
        List<string>? warnings = null;
        if (over != 0)
        {
            AddOverWarnings(plan.Applicable, over, warnings = []);
            _logger.LogWarning("Request {RequestId} allowed over soft/warn budget(s): {Budgets}", requestId, string.Join(", ", warnings));
        }

        return ValueTask.FromResult(new BudgetDecision
        {
            Allowed = true,
            Strategy = warnings is null ? BudgetStrategy.Allowed : BudgetStrategy.AllowedOverSoftLimit,
            Reason = warnings is null ? "fits every budget that applies" : "allowed over soft limit: " + string.Join("; ", warnings),
            Reservation = new BudgetReservation(_idPrefix, Interlocked.Increment(ref _sequence), requestId, hp, hold, memory, worstCaseCost, expires),
            Warnings = (IReadOnlyList<string>?)warnings ?? [],
        });
    }

    private sealed record Snapshot(IReadOnlyList<Budget> Source, BudgetRuntime[] Runtimes, long LoadedTicks, Dictionary<string, CandidateGroup> ByTenant, CandidateGroup NoTenant)
    {
        public bool HasAdaptive { get; } = Runtimes.Any(r => r.Budget.Enforcement == BudgetEnforcement.Adaptive);
    }

    /// <summary>The budgets that can apply to subjects of one tenant, and the plans built for them, by match mask.</summary>
    private sealed class CandidateGroup(BudgetRuntime[] candidates)
    {
        public readonly BudgetRuntime[] Candidates = candidates;
        public readonly ConcurrentDictionary<ulong, GatePlan> Plans = new();
        public GatePlan? Last;
    }

    private sealed class GatePlan(ulong mask, BudgetRuntime[] applicable, WindowState[] windows, BudgetHoldPlan hold, long validFromTicks, long validUntilTicks, bool fast)
    {
        public readonly ulong Mask = mask;
        public readonly BudgetRuntime[] Applicable = applicable;
        public readonly WindowState[] Windows = windows;
        public readonly BudgetHoldPlan Hold = hold;
        public readonly long ValidFromTicks = validFromTicks;
        public readonly long ValidUntilTicks = validUntilTicks;
        public readonly bool Fast = fast;
    }

    private sealed record EmergencyCache(EmergencyState? State, long CheckedTicks);

    private sealed record WindowState(BudgetWindow Window, long LimitNanos, long RolledOverNanos, long ValidFromTicks, long ValidUntilTicks);

    private sealed record Tight(BudgetRuntime Runtime, long Spent, long Held);

    private sealed record Allowance(BudgetRuntime[] Applicable, decimal AllowedUsd, Tight? Tightest);

    private sealed class BudgetRuntime(Budget budget, decimal unitsPerUsd)
    {
        public readonly Budget Budget = budget;
        public readonly decimal UnitsPerUsd = unitsPerUsd;
        public WindowState? Window;
    }

    /// <summary>The request as adaptive enforcement changes it.</summary>
    private sealed class AdaptState(BudgetRequestShape shape, BudgetSubject subject)
    {
        public BudgetRequestShape Shape { get; private set; } = shape;

        public BudgetSubject Subject { get; private set; } = subject;

        public int MaxTokens { get; private set; } = shape.MaxTokens;

        private int OriginalMaxTokens { get; } = shape.MaxTokens;

        public bool HasTools { get; set; } = shape.HasTools;

        public float? Temperature { get; set; } = shape.Temperature;

        public List<AdaptiveStep> Reached { get; } = [];

        public decimal WorstCase => BudgetRequestShape.WorstCaseFor(Shape.Model, MaxTokens, HasTools);

        public void SwitchTo(ModelCostShape fallback)
        {
            Shape = Shape with { Model = fallback, Fallback = null };
            Subject = Subject with { Model = fallback.Model, Provider = fallback.Provider ?? Subject.Provider };
        }

        /// <summary>max_tokens = the most the allowance pays for (never more than asked, never below the minimum).</summary>
        public void LowerMaxTokens(decimal allowedUsd, int minimum)
        {
            var model = Shape.Model;
            if (model.OutputCostPerToken <= 0)
            {
                return;
            }

            var room = allowedUsd - model.InputCost - (HasTools ? model.ToolsInputCost : 0m);
            if (room <= 0)
            {
                return;
            }

            var tokens = decimal.Floor(room / model.OutputCostPerToken);
            var fit = tokens >= OriginalMaxTokens ? OriginalMaxTokens : (int)tokens;
            if (fit >= minimum)
            {
                MaxTokens = fit;
            }
        }

        public List<AdaptiveStep> AppliedSteps(BudgetRequestShape original, IReadOnlyList<AdaptiveStep> order)
        {
            var applied = new List<AdaptiveStep>();
            foreach (var step in order)
            {
                var did = step switch
                {
                    AdaptiveStep.LowerMaxTokens => MaxTokens < original.MaxTokens,
                    AdaptiveStep.FallbackModel => !ReferenceEquals(Shape.Model, original.Model),
                    AdaptiveStep.DropTools => original.HasTools && !HasTools,
                    _ => Temperature != original.Temperature,
                };
                if (did)
                {
                    applied.Add(step);
                }
            }

            return applied;
        }
    }
}
