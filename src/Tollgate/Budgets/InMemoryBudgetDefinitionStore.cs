using System.Collections.Immutable;

namespace Tollgate.Budgets;

/// <summary>Budget definitions in process memory (tests, single-process hosts).</summary>
public sealed class InMemoryBudgetDefinitionStore : IBudgetDefinitionStore
{
    private ImmutableSortedDictionary<string, Budget> _budgets = ImmutableSortedDictionary.Create<string, Budget>(StringComparer.Ordinal);
    private IReadOnlyList<Budget>? _list;

    public InMemoryBudgetDefinitionStore(params IEnumerable<Budget> budgets)
    {
        foreach (var budget in budgets)
        {
            _budgets = _budgets.SetItem(budget.Id, budget);
        }
    }

    public ValueTask<IReadOnlyList<Budget>> ListAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_list ??= [.. Volatile.Read(ref _budgets).Values]);

    public ValueTask<Budget?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Volatile.Read(ref _budgets).GetValueOrDefault(id));

    public ValueTask UpsertAsync(Budget budget, CancellationToken cancellationToken = default)
    {
        ImmutableInterlocked.Update(ref _budgets, static (d, b) => d.SetItem(b.Id, b), budget);
        _list = null;
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        var removed = false;
        ImmutableInterlocked.Update(ref _budgets, d =>
        {
            removed = d.ContainsKey(id);
            return d.Remove(id);
        });
        _list = null;
        return ValueTask.FromResult(removed);
    }
}
