namespace Tollgate.Budgets;

/// <summary>
/// The gate's plans: for each set of budgets a subject matches (by tenant, then by match mask), the hold lines, rates and
/// counter cells to hold on, valid until one of its windows ends.
/// </summary>
internal sealed class BudgetPlanCache(InMemoryBudgetStore? memory, ILocalBudgetCounters? local, BudgetWindowReader windows)
{
    private readonly InMemoryBudgetStore? _memory = memory;
    private readonly ILocalBudgetCounters? _local = local;
    private readonly BudgetWindowReader _windows = windows;

    /// <summary>The cached plan for <paramref name="subject"/> if it is current; null sends the caller to the slow path.</summary>
    public static GatePlan? FindPlan(BudgetSnapshot snapshot, BudgetSubject subject, long ticks)
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

    private static CandidateGroup GroupOf(BudgetSnapshot snapshot, BudgetSubject subject) =>
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
    public async ValueTask<GatePlan> GetPlanAsync(BudgetSnapshot snapshot, BudgetSubject subject, DateTimeOffset now, CancellationToken cancellationToken)
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
                windows.Add(await _windows.WindowAsync(rt, now, cancellationToken));
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
}
