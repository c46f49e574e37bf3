namespace Tollgate.Audit;

/// <summary>
/// The append-only record of changes to Tollgate's state (keys, budgets, providers, emergency mode, configuration),
/// kept in the same store as the state itself. Hosts record admin API, CLI and configuration changes; automated
/// responses record themselves through the same call.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends <paramref name="entry"/>; returns it with its id.</summary>
    ValueTask<AuditEntry> RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Entries in the query's range, newest first.</summary>
    ValueTask<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);
}
