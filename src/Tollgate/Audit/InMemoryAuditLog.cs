namespace Tollgate.Audit;

/// <summary>An <see cref="IAuditLog"/> in process memory (tests, the in-memory store).</summary>
public sealed class InMemoryAuditLog : IAuditLog
{
    private readonly Lock _gate = new();
    private readonly List<AuditEntry> _entries = [];

    public ValueTask<AuditEntry> RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            var recorded = entry with { Id = _entries.Count + 1 };
            _entries.Add(recorded);
            return ValueTask.FromResult(recorded);
        }
    }

    public ValueTask<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            IReadOnlyList<AuditEntry> result = _entries
                .Where(e => (query.From is null || e.At >= query.From) && (query.To is null || e.At < query.To))
                .OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
                .Take(Math.Clamp(query.Limit, 1, AuditQuery.MaxLimit))
                .ToList();
            return ValueTask.FromResult(result);
        }
    }
}
