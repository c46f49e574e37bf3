using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Tollgate.Keys;

namespace Tollgate.Gateway.Auth;

/// <summary>
/// Turns the presented key (<c>Authorization: Bearer …</c>, <c>x-api-key</c> or <c>x-goog-api-key</c>) into its
/// <see cref="VirtualKey"/>. Lookups are cached for <c>keyCacheSeconds</c> by the presented key itself (compared in
/// constant time, hashed with the process's randomised string hash), so a cached key costs no SHA-256: the hash the
/// store holds is computed only on a miss. The cache lives in memory only; it is never logged or exported. A revocation through this
/// instance evicts at once, and <see cref="WatchRevocationsAsync"/> polls the store's <see cref="KeyRevocationStamp"/>
/// (one indexed query) so a revocation made anywhere else (the CLI, another gateway) drops the cache within the poll interval.
/// </summary>
internal sealed class KeyAuthenticator(IKeyStore store, TimeProvider time, TimeSpan cacheFor, IReadOnlySet<KeyHash> configuredAdminKeys)
{
    private const int MaxNegativeEntries = 10_000;
    private static readonly TimeSpan NegativeCacheFor = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, Entry> _cache = new(PresentedKeyComparer.Instance);
    private readonly KeyLookupFlights _lookups = new(store);
    private int _negativeEntries;
    private int _generation;
    private int _changes;

    /// <summary>The identity used for configured admin keys (they are not in the store).</summary>
    public static readonly VirtualKey ConfiguredAdmin = new()
    {
        Id = "admin",
        Tenant = "*",
        Name = "configured admin key",
        IsAdmin = true,
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>True when configured admin keys (not in the store) are accepted here, i.e. <see cref="ConfiguredAdmin"/> can sign in.</summary>
    public bool AcceptsConfiguredAdmin => configuredAdminKeys.Count > 0;

    /// <summary>
    /// Names the configured admin keys without revealing them (a digest of their stored hashes), so what is bound to
    /// them (a dashboard session) ends when they are rotated: instances configured alike agree on it.
    /// </summary>
    public string ConfiguredAdminStamp { get; } = Convert.ToHexStringLower(SHA256.HashData(
        System.Text.Encoding.ASCII.GetBytes(string.Join(",", configuredAdminKeys.Select(k => k.ToHex()).Order(StringComparer.Ordinal)))))[..16];

    /// <summary>
    /// Moves whenever this cache forgets a key (<see cref="Evict"/> after a revocation here, <see cref="Clear"/> after a
    /// revocation anywhere or a new key), so other caches of resolved keys (the dashboard's sessions) can drop theirs too.
    /// </summary>
    public int Changes => Volatile.Read(ref _changes);

    /// <summary>Back-off for clients that keep failing (null: none). Consulted only for keys not known valid.</summary>
    public AuthFailureLimiter? FailureLimiter { get; init; }

    /// <summary>The key presented with the request, or null with a reason when there is none or it is not valid.</summary>
    public async ValueTask<AuthResult> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!TryGetPresentedKey(request.Headers, out var presented))
        {
            return Failed(request, AuthResult.Fail("missing API key: send 'Authorization: Bearer tg-…' with a Tollgate virtual key"));
        }

        if (presented.Length > 256)
        {
            return Failed(request, AuthResult.Fail("invalid API key: it is not a Tollgate key"));
        }

        var now = time.GetTimestamp();
        var generation = Volatile.Read(ref _generation);
        if (_cache.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(presented, out var entry) && now < entry.ExpiresAt && entry.Generation == generation)
        {
            return entry.Key is { IsRevoked: false } key ? AuthResult.Ok(key) : Failed(request, Rejected(entry.Key));
        }

        // Not known valid: a client that keeps failing waits, and its keys are not looked up meanwhile.
        if (FailureLimiter?.BlockedFor(request.HttpContext.Connection.RemoteIpAddress) is { } wait)
        {
            return AuthResult.Throttled(wait);
        }

        var hash = KeyHash.Of(presented);
        if (configuredAdminKeys.Contains(hash))
        {
            // Configured admin keys never expire and cannot be revoked: cached like any key so the next call skips the hash.
            _cache[presented.ToString()] = new Entry(ConfiguredAdmin, long.MaxValue, generation);
            return AuthResult.Ok(ConfiguredAdmin);
        }

        // An entry read before a Clear carries the older generation and is ignored, so a lookup racing a revocation never lingers.
        var cacheKey = presented.ToString();
        var found = await _lookups.FindAsync(hash, generation, cancellationToken);
        var ttl = found is null ? NegativeCacheFor : cacheFor;
        if (found is not null || Interlocked.Increment(ref _negativeEntries) <= MaxNegativeEntries)
        {
            _cache[cacheKey] = new Entry(found, now + (long)(ttl.TotalSeconds * time.TimestampFrequency), generation);
        }

        return found is { IsRevoked: false } ? AuthResult.Ok(found) : Failed(request, Rejected(found));
    }

    /// <summary>Counts a failure against the client; the one that starts a wait is answered with it.</summary>
    private AuthResult Failed(HttpRequest request, AuthResult failure)
    {
        var client = request.HttpContext.Connection.RemoteIpAddress;
        if (FailureLimiter is not { } limiter)
        {
            return failure;
        }

        if (limiter.BlockedFor(client) is { } blocked)
        {
            return AuthResult.Throttled(blocked);
        }

        return limiter.RecordFailure(client) is { } wait ? AuthResult.Throttled(wait) : failure;
    }

    /// <summary>Forgets a key at once (after a revocation through this instance).</summary>
    public void Evict(string keyId)
    {
        Interlocked.Increment(ref _changes);
        foreach (var pair in _cache)
        {
            if (pair.Value.Key?.Id == keyId)
            {
                _cache.TryRemove(pair.Key, out _);
            }
        }
    }

    /// <summary>Drops every cached lookup (e.g. after a key is created, so a negative entry for it cannot linger).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        Interlocked.Increment(ref _changes);
        _cache.Clear();
        Interlocked.Exchange(ref _negativeEntries, 0);
    }

    /// <summary>
    /// Reads the store's revocation stamp now, then every <paramref name="interval"/> until <paramref name="cancellationToken"/>
    /// fires; when it moved, every cached lookup is dropped. A failed read is retried at the next tick.
    /// </summary>
    public async Task WatchRevocationsAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        KeyRevocationStamp? last = null;
        try
        {
            while (true)
            {
                try
                {
                    var stamp = await store.GetRevocationStampAsync(cancellationToken);
                    if (last is { } seen && seen != stamp)
                    {
                        Clear();
                    }

                    last = stamp;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The store is unreachable for a moment: keys keep their cache expiry meanwhile.
                }

                await Task.Delay(interval, time, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static AuthResult Rejected(VirtualKey? key) => key is { IsRevoked: true }
        ? AuthResult.Fail("invalid API key: this key has been revoked")
        : AuthResult.Fail("invalid API key: no such Tollgate key (keys start with tg- and are shown once when created)");

    internal static bool TryGetPresentedKey(IHeaderDictionary headers, out ReadOnlySpan<char> key)
    {
        key = default;
        var authorization = headers.Authorization;
        if (!StringValues.IsNullOrEmpty(authorization))
        {
            var value = authorization.ToString().AsSpan().Trim();
            if (value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                key = value[7..].Trim();
                return key.Length > 0;
            }

            return false;
        }

        if (headers.TryGetValue("x-api-key", out var apiKey) && !StringValues.IsNullOrEmpty(apiKey))
        {
            key = apiKey.ToString().AsSpan().Trim();
            return key.Length > 0;
        }

        if (headers.TryGetValue("x-goog-api-key", out var googKey) && !StringValues.IsNullOrEmpty(googKey))
        {
            key = googKey.ToString().AsSpan().Trim();
            return key.Length > 0;
        }

        return false;
    }

    private readonly record struct Entry(VirtualKey? Key, long ExpiresAt, int Generation);

    /// <summary>
    /// Presented keys as cache keys: looked up from the header's characters without allocating, hashed with the
    /// randomised (per-process) string hash, and compared in constant time so a guess learns nothing from timing.
    /// </summary>
    private sealed class PresentedKeyComparer : IEqualityComparer<string>, IAlternateEqualityComparer<ReadOnlySpan<char>, string>
    {
        public static readonly PresentedKeyComparer Instance = new();

        public bool Equals(string? x, string? y) => x is not null && y is not null && Same(x, y);

        public int GetHashCode(string obj) => string.GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<char> alternate, string other) => Same(alternate, other);

        public int GetHashCode(ReadOnlySpan<char> alternate) => string.GetHashCode(alternate);

        public string Create(ReadOnlySpan<char> alternate) => alternate.ToString();

        private static bool Same(ReadOnlySpan<char> a, ReadOnlySpan<char> b) =>
            CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(a), MemoryMarshal.AsBytes(b));
    }
}

/// <summary>The outcome of authenticating a request.</summary>
internal readonly record struct AuthResult(VirtualKey? Key, string? Error, TimeSpan? RetryAfter = null)
{
    public static AuthResult Ok(VirtualKey key) => new(key, null);

    public static AuthResult Fail(string error) => new(null, error);

    /// <summary>Too many failed attempts from this client: wait before trying again.</summary>
    public static AuthResult Throttled(TimeSpan wait) =>
        new(null, $"too many requests with a missing or invalid API key from this client: wait {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} s (Retry-After) and send a valid Tollgate key", wait);
}
