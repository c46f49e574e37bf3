namespace Tollgate.Budgets;

/// <summary>
/// A budget store whose counters live in this process's <see cref="InMemoryBudgetStore"/> once loaded (the gateway's
/// write-behind counters). <see cref="BudgetGate"/> loads a window's counters through it and then holds and settles on
/// the in-memory cells directly, as it does for a plain <see cref="InMemoryBudgetStore"/>: no store call per request.
/// </summary>
internal interface ILocalBudgetCounters
{
    /// <summary>The process-local counters behind the store.</summary>
    InMemoryBudgetStore Memory { get; }

    /// <summary>Makes <see cref="Memory"/> hold this counter's committed spend (read from the durable store once).</summary>
    ValueTask LoadAsync(string budgetId, string windowKey, CancellationToken cancellationToken);
}
