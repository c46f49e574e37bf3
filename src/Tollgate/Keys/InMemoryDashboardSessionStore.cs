namespace Tollgate.Keys;

/// <summary>
/// An <see cref="IDashboardSessionStore"/> in process memory (tests and <c>--store memory</c>): sessions last until a
/// restart. Bounded: at <paramref name="maxSessions"/> a new session first drops the expired ones, then the oldest
/// (earliest expiry), so someone signing in in a loop cannot grow memory without end.
/// </summary>
public sealed class InMemoryDashboardSessionStore(TimeProvider? time = null, int maxSessions = InMemoryDashboardSessionStore.DefaultMaxSessions) : IDashboardSessionStore
{
    /// <summary>How many sessions are kept at most by default.</summary>
    public const int DefaultMaxSessions = 10_000;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly int _maxSessions = maxSessions > 0 ? maxSessions : throw new ArgumentOutOfRangeException(nameof(maxSessions), "at least one session");
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DashboardSessionRecord> _byHash = new(StringComparer.Ordinal);

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ValueTask SaveAsync(DashboardSessionRecord session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        lock (_gate)
        {
            if (!_byHash.ContainsKey(session.TokenHash) && _byHash.Count >= _maxSessions)
            {
                RemoveExpired(_time.GetUtcNow());

                // Still full of live sessions: the oldest give way.
                while (_byHash.Count >= _maxSessions)
                {
                    _byHash.Remove(_byHash.MinBy(p => p.Value.ExpiresAt).Key);
                }
            }

            _byHash[session.TokenHash] = session;
            return ValueTask.CompletedTask;
        }
    }

    public ValueTask<DashboardSessionRecord?> FindAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_byHash.TryGetValue(tokenHash, out var session) && session.ExpiresAt > _time.GetUtcNow() ? session : null);
        }
    }

    public ValueTask<bool> DeleteAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_byHash.Remove(tokenHash));
        }
    }

    public ValueTask<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(RemoveExpired(_time.GetUtcNow()));
        }
    }

    private int RemoveExpired(DateTimeOffset now)
    {
        var expired = _byHash.Where(p => p.Value.ExpiresAt <= now).Select(p => p.Key).ToList();
        foreach (var hash in expired)
        {
            _byHash.Remove(hash);
        }

        return expired.Count;
    }
}
