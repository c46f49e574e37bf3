using Microsoft.Extensions.Logging;
using Tollgate.Costing;

namespace Tollgate.Budgets;

/// <summary>Adaptive enforcement: lowers max tokens, switches to the fallback model, drops tools or lowers temperature until the request fits.</summary>
internal sealed class BudgetAdapter(IBudgetStore store, BudgetWindowReader windows, BudgetRefusals refusals, ReservationIds ids, BudgetGateOptions options, ILogger logger)
{
    private readonly IBudgetStore _store = store;
    private readonly BudgetWindowReader _windows = windows;
    private readonly BudgetRefusals _refusals = refusals;
    private readonly ReservationIds _ids = ids;
    private readonly BudgetGateOptions _options = options;
    private readonly ILogger _logger = logger;

    /// <summary>Adapts the request step by step (<see cref="BudgetGateOptions.AdaptiveOrder"/>) until it fits what the budgets still allow, and holds it.</summary>
    public async ValueTask<BudgetDecision> AdaptAsync(BudgetSnapshot snapshot, BudgetSubject subject, BudgetRequestShape shape, string requestId, DateTimeOffset now, List<string> warnings, bool emergency, BudgetAdaptation? emergencyAdaptation, CancellationToken cancellationToken)
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
                    ? _refusals.Refuse(tight.Runtime, tight.Spent, tight.Held, Money.ToNanosCeiling(state.WorstCase * tight.Runtime.UnitsPerUsd), emergency,
                        "does not fit even after adapting (" + string.Join(", ", state.AppliedSteps(shape, _options.AdaptiveOrder)) + ")")
                    : new BudgetDecision { Allowed = false, Strategy = BudgetStrategy.Refused, Reason = "does not fit any adaptation", EmergencyMode = emergency };
            }

            var worst = state.WorstCase;
            var reservationId = _ids.Next();
            var (lines, rates) = BudgetHoldLines.Build(limits.Applicable, worst);
            var expires = now + _options.HoldTtl;
            var outcome = lines.Length == 0 ? HoldOutcome.Success() : await _store.TryHoldAsync(new HoldRequest(reservationId, lines, now, expires), cancellationToken);
            if (outcome.Held)
            {
                BudgetHoldLines.AddOverWarnings(limits.Applicable, outcome.OverLimitLines, warnings);
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
            refusal = _refusals.Refuse(limits.Applicable[outcome.FailedLine], outcome.SpentNanos, outcome.HeldNanos, lines[outcome.FailedLine].AmountNanos, emergency);
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
    private async ValueTask<Allowance> AllowanceAsync(BudgetSnapshot snapshot, BudgetSubject subject, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var applicable = await _windows.ApplicableAsync(snapshot, subject, now, cancellationToken);
        var allowed = decimal.MaxValue;
        Tight? tightest = null;
        foreach (var rt in applicable)
        {
            if (!rt.Budget.Enforces)
            {
                continue;
            }

            var w = await _windows.WindowAsync(rt, now, cancellationToken);
            var (spent, held) = await _windows.SumAsync(rt.Budget.Id, w.Window, now, cancellationToken);
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

    private sealed record Tight(BudgetRuntime Runtime, long Spent, long Held);

    private sealed record Allowance(BudgetRuntime[] Applicable, decimal AllowedUsd, Tight? Tightest);
}
