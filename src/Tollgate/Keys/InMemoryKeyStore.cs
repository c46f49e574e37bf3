namespace Tollgate.Keys;

/// <summary>An <see cref="IKeyStore"/> in process memory: tests and <c>--store memory</c>.</summary>
public sealed class InMemoryKeyStore : IKeyStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, VirtualKey> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<KeyHash, string> _idByHash = [];

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<bool> CreateAsync(VirtualKey key, KeyHash hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            if (_byId.ContainsKey(key.Id) || _idByHash.ContainsKey(hash))
            {
                return Task.FromResult(false);
            }

            _byId.Add(key.Id, key);
            _idByHash.Add(hash, key.Id);
            return Task.FromResult(true);
        }
    }

    public ValueTask<VirtualKey?> FindByHashAsync(KeyHash hash, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_idByHash.TryGetValue(hash, out var id) ? _byId[id] : null);
        }
    }

    public Task<VirtualKey?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_byId.GetValueOrDefault(id));
        }
    }

    public Task<IReadOnlyList<VirtualKey>> ListAsync(string? tenant = null, bool includeAdmin = false, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<VirtualKey> keys = _byId.Values
                .Where(k => (includeAdmin || !k.IsAdmin) && (tenant is null || k.Tenant == tenant))
                .OrderBy(k => k.CreatedAt).ThenBy(k => k.Id, StringComparer.Ordinal)
                .ToList();
            return Task.FromResult(keys);
        }
    }

    public Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out var key))
            {
                return Task.FromResult(false);
            }

            if (!key.IsRevoked)
            {
                _byId[id] = key with { RevokedAt = at };
            }

            return Task.FromResult(true);
        }
    }
}
