using System.Collections.Concurrent;
using System.Net;
using Tollgate.Gateway.Configuration;

namespace Tollgate.Gateway.Auth;

/// <summary>
/// Exponential back-off for clients (by IP address) that keep presenting keys that are missing, unknown or revoked:
/// after <see cref="AuthBackoffOptions.FreeFailures"/> failures, each further failure blocks the client for
/// <c>baseSeconds × 2^(n−1)</c> (capped at <c>maxSeconds</c>); while blocked, an unknown key is answered 429 with
/// <c>Retry-After</c> without a store lookup. A failure older than <c>windowSeconds</c> is forgotten. Keys already
/// known valid are served from the authenticator's cache before this is consulted, so a client's valid keys are not
/// slowed. Memory is bounded: at most <c>maxClients</c> clients are tracked (expired ones are pruned first; when all
/// are current, new clients are not tracked until some expire). Time comes from the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class AuthFailureLimiter(AuthBackoffOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<IPAddress, State> _clients = new();
    private readonly long _window = (long)(options.WindowSeconds * time.TimestampFrequency);
    private long _nextPrune;

    /// <summary>Clients currently tracked (for tests and metrics).</summary>
    public int Tracked => _clients.Count;

    /// <summary>How long <paramref name="client"/> must still wait, or null when it is not blocked.</summary>
    public TimeSpan? BlockedFor(IPAddress? client)
    {
        if (client is null || !_clients.TryGetValue(client, out var state))
        {
            return null;
        }

        var now = time.GetTimestamp();
        lock (state)
        {
            return now < state.BlockedUntil ? TimeSpan.FromSeconds((double)(state.BlockedUntil - now) / time.TimestampFrequency) : null;
        }
    }

    /// <summary>Counts a failed authentication; returns the wait it starts (null while the client is within its free failures).</summary>
    public TimeSpan? RecordFailure(IPAddress? client)
    {
        if (client is null)
        {
            return null;
        }

        var now = time.GetTimestamp();
        if (!_clients.TryGetValue(client, out var state))
        {
            if (_clients.Count >= options.MaxClients && !Prune(now))
            {
                return null;
            }

            state = _clients.GetOrAdd(client, _ => new State());
        }

        lock (state)
        {
            if (now - state.LastFailure > _window && now >= state.BlockedUntil)
            {
                state.Failures = 0;
            }

            state.Failures++;
            state.LastFailure = now;
            var beyond = state.Failures - options.FreeFailures;
            if (beyond <= 0)
            {
                return null;
            }

            var seconds = Math.Min(options.MaxSeconds, options.BaseSeconds * Math.Pow(2, Math.Min(beyond - 1, 30)));
            state.BlockedUntil = now + (long)(seconds * time.TimestampFrequency);
            return TimeSpan.FromSeconds(seconds);
        }
    }

    /// <summary>Drops clients whose block and failure window are over (at most once a second); true when there is room.</summary>
    private bool Prune(long now)
    {
        var next = Interlocked.Read(ref _nextPrune);
        if (now >= next && Interlocked.CompareExchange(ref _nextPrune, now + time.TimestampFrequency, next) == next)
        {
            foreach (var (client, state) in _clients)
            {
                bool expired;
                lock (state)
                {
                    expired = now >= state.BlockedUntil && now - state.LastFailure > _window;
                }

                if (expired)
                {
                    _clients.TryRemove(client, out _);
                }
            }
        }

        return _clients.Count < options.MaxClients;
    }

    private sealed class State
    {
        public int Failures;
        public long LastFailure;
        public long BlockedUntil;
    }
}
