using Tollgate.Budgets;
using Tollgate.Keys;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Budget status for the <c>x-tollgate-budget-remaining</c> header without a store round trip per request: a
/// snapshot of every budget's window, refreshed when older than <c>maxAge</c> (0 = always fresh). Only budgets the key
/// holder may see (<see cref="BudgetVisibility"/>) count, unless <see cref="ShowShared"/>.
/// </summary>
internal sealed class BudgetStatusCache(IBudgetGate gate, TimeProvider time, TimeSpan maxAge) : IDisposable
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Snapshot? _snapshot;

    /// <summary>The operator's opt-in: shared budgets' remaining amounts count too.</summary>
    public bool ShowShared { get; init; }

    /// <summary>The smallest remaining amount among the budgets held by <paramref name="reservation"/> that <paramref name="key"/> may see.</summary>
    public async ValueTask<decimal?> RemainingAsync(BudgetReservation reservation, VirtualKey key, CancellationToken cancellationToken)
    {
        var snapshot = await GetAsync(cancellationToken);
        decimal? smallest = null;
        foreach (var line in reservation.Lines)
        {
            if (snapshot.Remaining.TryGetValue(line.BudgetId, out var budget) && (ShowShared || BudgetVisibility.IsOwn(budget.Scope, key)) &&
                (smallest is null || budget.Remaining < smallest))
            {
                smallest = budget.Remaining;
            }
        }

        return smallest;
    }

    /// <summary>Forgets the snapshot (after a budget was created or changed).</summary>
    public void Invalidate() => _snapshot = null;

    private async ValueTask<Snapshot> GetAsync(CancellationToken cancellationToken)
    {
        var current = _snapshot;
        var now = time.GetTimestamp();
        if (current is not null && maxAge > TimeSpan.Zero && time.GetElapsedTime(current.TakenAt, now) < maxAge)
        {
            return current;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            current = _snapshot;
            if (current is not null && maxAge > TimeSpan.Zero && time.GetElapsedTime(current.TakenAt, time.GetTimestamp()) < maxAge)
            {
                return current;
            }

            var taken = time.GetTimestamp();
            var statuses = await gate.GetStatusAsync(cancellationToken);
            var remaining = new Dictionary<string, (decimal Remaining, BudgetScope Scope)>(StringComparer.Ordinal);
            foreach (var status in statuses)
            {
                remaining[status.Budget.Id] = (status.Remaining, status.Budget.Scope);
            }

            current = new Snapshot(taken, remaining);
            _snapshot = current;
            return current;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();

    private sealed record Snapshot(long TakenAt, IReadOnlyDictionary<string, (decimal Remaining, BudgetScope Scope)> Remaining);
}
