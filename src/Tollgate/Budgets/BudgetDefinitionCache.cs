using Microsoft.Extensions.Logging;

namespace Tollgate.Budgets;

/// <summary>
/// The budget definitions the gate enforces, reloaded every <see cref="BudgetGateOptions.DefinitionRefresh"/>; a budget
/// seen for the first time counts its window's earlier spend from the ledger.
/// </summary>
internal sealed class BudgetDefinitionCache(IBudgetDefinitionStore definitions, IBudgetStore store, TimeProvider time, BudgetGateOptions options, ILogger logger)
{
    private readonly IBudgetDefinitionStore _definitions = definitions;
    private readonly IBudgetStore _store = store;
    private readonly TimeProvider _time = time;
    private readonly BudgetGateOptions _options = options;
    private readonly ILogger _logger = logger;

    /// <summary>How long counting a new budget's earlier spend waits for the host's pending ledger records.</summary>
    private static readonly TimeSpan LedgerFlushWait = TimeSpan.FromSeconds(1);

    /// <summary>The definitions the gate last loaded (kept across <see cref="Invalidate"/>): a budget not among them is new.</summary>
    private IReadOnlyList<Budget>? _known;
    private BudgetSnapshot? _snapshot;

    /// <summary>The loaded definitions, current or not; null before the first load or after <see cref="Invalidate"/>.</summary>
    public BudgetSnapshot? Current => Volatile.Read(ref _snapshot);

    /// <summary>Forgets the loaded definitions and their windows (after an admin change).</summary>
    public void Invalidate() => Volatile.Write(ref _snapshot, null);

    /// <summary>The current definitions, reloaded once <see cref="BudgetGateOptions.DefinitionRefresh"/> has passed.</summary>
    public ValueTask<BudgetSnapshot> GetAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        return snapshot is not null && now.UtcTicks - snapshot.LoadedTicks < _options.DefinitionRefresh.Ticks && now.UtcTicks >= snapshot.LoadedTicks
            ? ValueTask.FromResult(snapshot)
            : LoadSnapshotAsync(snapshot, now, cancellationToken);
    }

    private async ValueTask<BudgetSnapshot> LoadSnapshotAsync(BudgetSnapshot? snapshot, DateTimeOffset now, CancellationToken cancellationToken)
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
    private bool RatesCurrent(BudgetSnapshot snapshot)
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

    /// <summary>
    /// Budgets grouped by the tenant they name, so resolving a subject's budgets looks at its tenant's and the
    /// tenant-less ones only (in definition order, which is the order of the hold lines).
    /// </summary>
    private static BudgetSnapshot NewSnapshot(IReadOnlyList<Budget> source, BudgetRuntime[] runtimes, long loadedTicks)
    {
        var byTenant = new Dictionary<string, CandidateGroup>(StringComparer.Ordinal);
        foreach (var tenant in runtimes.Select(r => r.Budget.Scope.Tenant).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            byTenant[tenant] = new CandidateGroup([.. runtimes.Where(r => r.Budget.Scope.Tenant is null || r.Budget.Scope.Tenant == tenant)]);
        }

        return new BudgetSnapshot(source, runtimes, loadedTicks, byTenant, new CandidateGroup([.. runtimes.Where(r => r.Budget.Scope.Tenant is null)]));
    }
}
