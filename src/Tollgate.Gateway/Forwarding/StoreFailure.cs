using Microsoft.Data.Sqlite;
using Npgsql;
using StackExchange.Redis;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Recognises the failures of Tollgate's own state (PostgreSQL, Redis, SQLite, the ledger spool) and builds the answer
/// for them: 503 <c>store_unavailable</c> with <c>Retry-After</c>. Such a failure is the gateway's trouble, so it is never
/// a provider's failure, never a 500, and never a 502.
/// </summary>
internal static class StoreFailure
{
    /// <summary>How long a client is told to wait; stores come back within seconds or need an operator.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    public static bool Is(Exception exception) => exception switch
    {
        StoreUnavailableException or NpgsqlException or RedisException or SqliteException or TimeoutException => true,
        // Npgsql wraps some pool and socket failures; Redis reports a dead connection as an ObjectDisposed or IO failure on shutdown.
        IOException or System.Net.Sockets.SocketException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(Is),
        _ => exception.InnerException is { } inner && Is(inner),
    };

    /// <summary>The refusal for a call that could not be admitted or recorded because a store is unavailable.</summary>
    public static Admission Refusal(string what) => Admission.Refuse(503, "store_unavailable",
        $"Tollgate's {what} cannot be reached right now, so this call cannot be admitted or recorded safely. Retry after a moment.",
        RetryAfter);
}
