namespace Tollgate.Keys;

/// <summary>
/// Where virtual keys live (in memory, SQLite, PostgreSQL). Stores hold only key hashes; every implementation
/// passes the same conformance suite (<c>tests/Tollgate.Stores.Tests/Keys</c>).
/// </summary>
public interface IKeyStore
{
    /// <summary>Creates the schema if missing; idempotent.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a key. Returns false (and stores nothing) when its id or hash already exists.</summary>
    Task<bool> CreateAsync(VirtualKey key, KeyHash hash, CancellationToken cancellationToken = default);

    /// <summary>The key with this hash, revoked or not; null when unknown.</summary>
    ValueTask<VirtualKey?> FindByHashAsync(KeyHash hash, CancellationToken cancellationToken = default);

    /// <summary>The key with this id; null when unknown.</summary>
    Task<VirtualKey?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Keys ordered by creation time then id; only <paramref name="tenant"/>'s when given; admin keys only when asked.</summary>
    Task<IReadOnlyList<VirtualKey>> ListAsync(string? tenant = null, bool includeAdmin = false, CancellationToken cancellationToken = default);

    /// <summary>Marks a key revoked at <paramref name="at"/>. False when unknown; revoking twice keeps the first time and returns true.</summary>
    Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// A stamp that moves whenever a key is revoked (see <see cref="KeyRevocationStamp"/>). The default lists every key;
    /// database stores answer it with one indexed query.
    /// </summary>
    async ValueTask<KeyRevocationStamp> GetRevocationStampAsync(CancellationToken cancellationToken = default)
    {
        var revoked = (await ListAsync(null, includeAdmin: true, cancellationToken)).Where(k => k.RevokedAt is not null).ToList();
        return new KeyRevocationStamp(revoked.Count, revoked.Count == 0 ? 0 : revoked.Max(k => k.RevokedAt!.Value.ToUnixTimeMilliseconds()));
    }
}
