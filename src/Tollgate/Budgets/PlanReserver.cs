using Microsoft.Extensions.Logging;

namespace Tollgate.Budgets;

/// <summary>The gate's hot path: a hold on a cached plan's in-memory counter cells, lock-free.</summary>
internal sealed class PlanReserver(InMemoryBudgetStore? memory, ReservationIds ids, BudgetAdapter adapter, BudgetRefusals refusals, BudgetGateOptions options, ILogger logger)
{
    private readonly InMemoryBudgetStore? _memory = memory;
    private readonly ReservationIds _ids = ids;
    private readonly BudgetAdapter _adapter = adapter;
    private readonly BudgetRefusals _refusals = refusals;
    private readonly BudgetGateOptions _options = options;
    private readonly ILogger _logger = logger;

    /// <summary>
    /// Holds the worst case on every line of <paramref name="plan"/> by compare-and-swap, giving back the lines
    /// already taken when one refuses (all-or-nothing); completes synchronously unless adaptive enforcement runs.
    /// </summary>
    public ValueTask<BudgetDecision> Reserve(GatePlan plan, BudgetSnapshot snapshot, BudgetSubject subject, decimal worstCaseCost, string requestId, BudgetRequestShape? shape, DateTimeOffset now, CancellationToken cancellationToken)
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
                Reservation = new BudgetReservation(_ids.Prefix, _ids.NextSequence(), requestId, hp, null, memory, worstCaseCost, expires),
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
                    return _adapter.AdaptAsync(snapshot, subject, shape, requestId, now, [], false, null, cancellationToken);
                }

                var spent = Volatile.Read(ref counters[i].Spent);
                return ValueTask.FromResult(_refusals.Refuse(rt, plan.Windows[i], spent + pastSpent, used - spent + (pastUsed - pastSpent), amount, false));
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
            BudgetHoldLines.AddOverWarnings(plan.Applicable, over, warnings = []);
            _logger.LogWarning("Request {RequestId} allowed over soft/warn budget(s): {Budgets}", requestId, string.Join(", ", warnings));
        }

        return ValueTask.FromResult(new BudgetDecision
        {
            Allowed = true,
            Strategy = warnings is null ? BudgetStrategy.Allowed : BudgetStrategy.AllowedOverSoftLimit,
            Reason = warnings is null ? "fits every budget that applies" : "allowed over soft limit: " + string.Join("; ", warnings),
            Reservation = new BudgetReservation(_ids.Prefix, _ids.NextSequence(), requestId, hp, hold, memory, worstCaseCost, expires),
            Warnings = (IReadOnlyList<string>?)warnings ?? [],
        });
    }
}
