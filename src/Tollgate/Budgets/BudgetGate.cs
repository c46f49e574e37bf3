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
    private readonly IBudgetDefinitionStore _definitions;
    private readonly TimeProvider _time;
    private readonly BudgetGateOptions _options;
    private readonly ILogger _logger;
    private readonly string _idPrefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + "-";
    private readonly Lock _throttleLock = new();
    private Snapshot? _snapshot;
    private long _sequence;
    private EmergencyCache? _emergency;
    private long _throttleMinute = -1;
    private int _throttleCount;

    public BudgetGate(IBudgetStore store, IBudgetDefinitionStore definitions, TimeProvider? timeProvider = null, BudgetGateOptions? options = null, ILogger<BudgetGate>? logger = null)
    {
        _store = store;
        _definitions = definitions;
        _time = timeProvider ?? TimeProvider.System;
        _options = options ?? new BudgetGateOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public IBudgetStore Store => _store;

    public async ValueTask<BudgetDecision> ReserveAsync(BudgetSubject subject, decimal worstCaseCost, string requestId, BudgetRequestShape? shape = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentOutOfRangeException.ThrowIfNegative(worstCaseCost);
        var now = _time.GetUtcNow();
        var snapshot = await GetSnapshotAsync(now, cancellationToken);

        BudgetAdaptation? emergencyAdaptation = null;
        var emergency = await GetEmergencyAsync(now, cancellationToken);
        if (emergency is not null)
        {
            if (!TryTakeThrottle(now, out var retryAfter))
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

            if (shape?.Fallback is { } cheapest)
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
                    EmergencyMode = emergency is not null,
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
                    EmergencyMode = emergency is not null,
                };
            }

            var tripped = applicable[outcome.FailedLine];
            if (tripped.Budget.Enforcement != BudgetEnforcement.Adaptive || shape is null)
            {
                return Refusal(tripped, outcome.SpentNanos, outcome.HeldNanos, lines[outcome.FailedLine].AmountNanos, emergency is not null);
            }
        }

        return await AdaptAsync(snapshot, subject, shape!, requestId, now, warnings ?? [], emergency is not null, emergencyAdaptation, cancellationToken);
    }

    public async ValueTask<bool> SettleAsync(BudgetReservation reservation, decimal actualCost, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentOutOfRangeException.ThrowIfNegative(actualCost);
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

    private BudgetDecision Refusal(BudgetRuntime rt, long spent, long held, long neededNanos, bool emergency, string? detail = null)
    {
        var w = rt.Window!;
        var trip = TripFor(rt, spent, held, Money.FromNanos(neededNanos), Money.FromNanos(w.LimitNanos));
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

    private static BudgetTrip TripFor(BudgetRuntime rt, long spent, long held, decimal needed, decimal limit) => new()
    {
        BudgetId = rt.Budget.Id,
        BudgetName = rt.Budget.DisplayName,
        Currency = rt.Budget.Currency,
        Limit = limit,
        Spent = Money.FromNanos(spent),
        Held = Money.FromNanos(held),
        Needed = needed,
        WindowKey = rt.Window?.Window.Key ?? "",
        ResetsAt = rt.Window?.Window.End,
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
        if (budget.Rollover && BudgetWindows.Previous(budget, window) is { } previous)
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
        if (snapshot is not null && ReferenceEquals(budgets, snapshot.Source))
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

                var old = snapshot?.Runtimes.FirstOrDefault(r => r.Budget == b);
                runtimes.Add(old ?? new BudgetRuntime(b, rate));
            }

            snapshot = new Snapshot(budgets, [.. runtimes], now.UtcTicks);
        }

        Volatile.Write(ref _snapshot, snapshot);
        return snapshot;
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

    private sealed record Snapshot(IReadOnlyList<Budget> Source, BudgetRuntime[] Runtimes, long LoadedTicks);

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
