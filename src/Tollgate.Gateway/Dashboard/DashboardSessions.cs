using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Tollgate.Gateway.Auth;
using Tollgate.Keys;

namespace Tollgate.Gateway.Dashboard;

/// <summary>
/// The dashboard's sessions, kept in the store beside the keys (<see cref="IDashboardSessionStore"/>): a random 256-bit
/// token goes to the browser in an HttpOnly cookie, and only its SHA-256 is stored, with the key's id, the session's CSRF
/// token and its expiry — never the key. So every gateway instance on the same store accepts a session any of them
/// issued, and a restart keeps it. A session ends at its expiry, at sign-out, or when its key is revoked.
/// </summary>
/// <remarks>
/// A found session (with its resolved key) is cached in this process for <see cref="CacheFor"/>, so a dashboard's
/// requests cost no store read: a sign-out on another instance takes effect here within that bound (on this instance at
/// once). The cache also drops every entry when <see cref="KeyAuthenticator.Changes"/> moves, so a revoked key ends its
/// sessions as fast as it stops working on the proxy: at once when revoked through this instance, within
/// <c>keyRevocationCheckMilliseconds</c> (and at most <see cref="CacheFor"/>) when revoked anywhere else.
/// </remarks>
internal sealed class DashboardSessions(IDashboardSessionStore store, IKeyStore keys, KeyAuthenticator authenticator, TimeProvider time)
{
    /// <summary>How long a session lasts from sign-in.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    /// <summary>How long a found session is trusted without asking the store again: the bound on a sign-out elsewhere.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    private const int MaxCached = 10_000;

    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.Ordinal);
    private int _endings;

    /// <summary>Starts a session for <paramref name="key"/>; returns the cookie's token (shown to no one else) and the session.</summary>
    public async ValueTask<(string Token, DashboardSession Session)> StartAsync(VirtualKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var changes = authenticator.Changes;
        // Sign-ins are rare: each clears the store of expired sessions, so they never pile up.
        await store.DeleteExpiredAsync(cancellationToken);
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        // Whole milliseconds: what every store keeps, so each instance answers the same expiry.
        var expires = DateTimeOffset.FromUnixTimeMilliseconds((time.GetUtcNow() + Lifetime).ToUnixTimeMilliseconds());
        var session = new DashboardSession(key, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), expires);
        var hash = Hash(token);
        await store.SaveAsync(new DashboardSessionRecord(hash, StoredKeyId(key), session.CsrfToken, expires), cancellationToken);
        Remember(hash, session, changes, Volatile.Read(ref _endings));
        return (token, session);
    }

    /// <summary>The key a session is stored under: a virtual key's id, or the configured admin key's stamp.</summary>
    private string StoredKeyId(VirtualKey key) =>
        key.Id == KeyAuthenticator.ConfiguredAdmin.Id ? $"{key.Id}:{authenticator.ConfiguredAdminStamp}" : key.Id;

    /// <summary>
    /// The live session of a cookie token with its key as it is now, or null: unknown, expired, or its key revoked or
    /// gone (then the session is deleted).
    /// </summary>
    public async ValueTask<DashboardSession?> FindAsync(string token, CancellationToken cancellationToken)
    {
        var hash = Hash(token);
        var changes = authenticator.Changes;
        if (_cache.TryGetValue(hash, out var cached))
        {
            if (time.GetTimestamp() < cached.Until && cached.Changes == changes && cached.Session.ExpiresAt > time.GetUtcNow())
            {
                return cached.Session;
            }

            _cache.TryRemove(KeyValuePair.Create(hash, cached));
        }

        var endings = Volatile.Read(ref _endings);
        if (await store.FindAsync(hash, cancellationToken) is not { } record)
        {
            return null;
        }

        VirtualKey? key;
        if (record.KeyId.StartsWith(KeyAuthenticator.ConfiguredAdmin.Id + ":", StringComparison.Ordinal))
        {
            // The configured admin key is not in the store: its sessions count only where the same one is configured
            // (a rotated admin key ends them).
            key = authenticator.AcceptsConfiguredAdmin && record.KeyId == StoredKeyId(KeyAuthenticator.ConfiguredAdmin) ? KeyAuthenticator.ConfiguredAdmin : null;
        }
        else
        {
            // A key revoked since sign-in (here, by the CLI or another gateway) ends its session.
            key = await keys.GetAsync(record.KeyId, cancellationToken);
            if (key is not { IsRevoked: false })
            {
                await store.DeleteAsync(hash, cancellationToken);
                return null;
            }
        }

        if (key is null)
        {
            return null;
        }

        var session = new DashboardSession(key, record.CsrfToken, record.ExpiresAt);
        Remember(hash, session, changes, endings);
        return session;
    }

    /// <summary>Ends the session of a cookie token (sign-out): in the store for every instance, and in this one's cache.</summary>
    public async ValueTask EndAsync(string token, CancellationToken cancellationToken)
    {
        var hash = Hash(token);
        _cache.TryRemove(hash, out _);
        await store.DeleteAsync(hash, cancellationToken);
        // A lookup that read the session before the delete sees the count move and does not cache what it found.
        Interlocked.Increment(ref _endings);
        _cache.TryRemove(hash, out _);
    }

    private void Remember(string hash, DashboardSession session, int changes, int endings)
    {
        if (_cache.Count >= MaxCached)
        {
            // Entries live for seconds: starting over costs one store read per live session.
            _cache.Clear();
        }

        _cache[hash] = new Cached(session, time.GetTimestamp() + (long)(CacheFor.TotalSeconds * time.TimestampFrequency), changes);
        if (Volatile.Read(ref _endings) != endings)
        {
            _cache.TryRemove(hash, out _);
        }
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private readonly record struct Cached(DashboardSession Session, long Until, int Changes);
}
