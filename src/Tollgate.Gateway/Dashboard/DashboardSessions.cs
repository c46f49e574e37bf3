using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Tollgate.Keys;

namespace Tollgate.Gateway.Dashboard;

/// <summary>
/// The dashboard's sessions, in this gateway's memory: a random 256-bit token goes to the browser in an HttpOnly cookie,
/// and only its SHA-256 is kept here, beside the key's public identity (id, tenant, admin or not) — never the key. A
/// session ends at its expiry, at sign-out, or when its key is revoked; a restart signs everyone out.
/// </summary>
internal sealed class DashboardSessions(TimeProvider time)
{
    /// <summary>How long a session lasts from sign-in.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, DashboardSession> _byHash = new(StringComparer.Ordinal);

    /// <summary>Starts a session for <paramref name="key"/>; returns the cookie's token (shown to no one else) and the session.</summary>
    public (string Token, DashboardSession Session) Start(VirtualKey key)
    {
        var now = time.GetUtcNow();
        if (_byHash.Count >= MaxSessions)
        {
            foreach (var pair in _byHash.Where(p => p.Value.ExpiresAt <= now))
            {
                _byHash.TryRemove(pair.Key, out _);
            }

            // Still full of live sessions (someone signing in in a loop): the oldest gives way, so memory stays bounded.
            while (_byHash.Count >= MaxSessions && _byHash.MinBy(p => p.Value.ExpiresAt) is { Key: { } oldest })
            {
                _byHash.TryRemove(oldest, out _);
            }
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var session = new DashboardSession(key, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), now + Lifetime);
        _byHash[Hash(token)] = session;
        return (token, session);
    }

    /// <summary>The live session of a cookie token, or null (unknown, expired — then forgotten).</summary>
    public DashboardSession? Find(string token)
    {
        var hash = Hash(token);
        if (!_byHash.TryGetValue(hash, out var session))
        {
            return null;
        }

        if (session.ExpiresAt <= time.GetUtcNow())
        {
            _byHash.TryRemove(hash, out _);
            return null;
        }

        return session;
    }

    /// <summary>Ends the session of a cookie token (sign-out or a revoked key).</summary>
    public void End(string token) => _byHash.TryRemove(Hash(token), out _);

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
