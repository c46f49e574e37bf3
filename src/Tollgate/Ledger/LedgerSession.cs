namespace Tollgate.Ledger;

/// <summary>
/// A scope (user, tenant) around a piece of work — an agent run, a conversation. Every record appended through a
/// <see cref="LedgerWriter"/> inside the scope (on this async flow) is tagged with the session id, and with its
/// user, tenant and tags where the record has none. <see cref="GetTotalsAsync"/> reports what the session spent.
/// </summary>
public sealed class LedgerSession : IDisposable
{
    private static readonly AsyncLocal<LedgerSession?> CurrentSession = new();
    private readonly LedgerSession? _previous;
    private bool _disposed;

    private LedgerSession(string id, string? user, string? tenant, IReadOnlyDictionary<string, string>? tags)
    {
        Id = id;
        User = user;
        Tenant = tenant;
        Tags = tags ?? new Dictionary<string, string>(0);
        _previous = CurrentSession.Value;
    }

    /// <summary>The innermost session on this async flow, or null.</summary>
    public static LedgerSession? Current => CurrentSession.Value;

    public string Id { get; }

    public string? User { get; }

    public string? Tenant { get; }

    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>Starts a session and makes it current until disposed. A null id gets a fresh random one.</summary>
    public static LedgerSession Begin(string? user = null, string? tenant = null, string? id = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        var session = new LedgerSession(string.IsNullOrEmpty(id) ? Guid.NewGuid().ToString("N") : id, user, tenant, tags);
        CurrentSession.Value = session;
        return session;
    }

    /// <summary>The record tagged with this session (its own user, tenant and tags win).</summary>
    public UsageRecord Apply(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var tags = record.Tags;
        if (Tags.Count > 0)
        {
            var merged = new Dictionary<string, string>(Tags, StringComparer.Ordinal);
            foreach (var (k, v) in record.Tags)
            {
                merged[k] = v;
            }

            tags = merged;
        }

        return record with
        {
            SessionId = Id,
            User = record.User ?? User,
            Tenant = record.Tenant ?? Tenant,
            Tags = tags,
        };
    }

    /// <summary>What the session has spent so far, as stored in the ledger.</summary>
    public async ValueTask<LedgerMetrics> GetTotalsAsync(ILedgerStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var report = await store.QueryAsync(new LedgerQuery { Filter = new LedgerFilter { SessionId = Id } }, cancellationToken);
        return report.Total;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (ReferenceEquals(CurrentSession.Value, this))
        {
            CurrentSession.Value = _previous;
        }
    }
}
