namespace Tollgate.Budgets;

/// <summary>Where budget definitions live (SQLite, PostgreSQL, memory).</summary>
public interface IBudgetDefinitionStore
{
    ValueTask<IReadOnlyList<Budget>> ListAsync(CancellationToken cancellationToken = default);

    ValueTask<Budget?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces the budget with <see cref="Budget.Id"/>.</summary>
    ValueTask UpsertAsync(Budget budget, CancellationToken cancellationToken = default);

    /// <summary>Removes the definition (its counters and history stay); false when it did not exist.</summary>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);
}
