using Tollgate.Budgets;
using Tollgate.Storage;

namespace Tollgate.Hosting;

/// <summary>Where Tollgate's state lives: what <see cref="TollgateStores.Create"/> opens.</summary>
public sealed class TollgateStoreOptions
{
    /// <summary>The main store: SQLite file (default <c>data/tollgate.db</c>), PostgreSQL, or memory.</summary>
    public StoreLocation Store { get; set; } = StoreLocation.Default;

    /// <summary><c>HOST:PORT</c> of a Redis that keeps budget holds and rate-limit counters for every instance; null for none.</summary>
    public string? Redis { get; set; }

    /// <summary>Key prefix in Redis; every process sharing budgets must use the same one.</summary>
    public string RedisPrefix { get; set; } = "tollgate";

    /// <summary>True: an unreachable Redis fails <see cref="TollgateStores.InitializeAsync"/>; false: it is retried in the background.</summary>
    public bool RequireRedisAtStart { get; set; }

    /// <summary>Where budget counters (spend and holds) are kept; see <see cref="BudgetCounterMode"/>.</summary>
    public BudgetCounterMode BudgetCounters { get; set; } = BudgetCounterMode.Auto;

    /// <summary>
    /// True for short-lived commands (the CLI): budget counters are the store's own (or Redis), and no counter-ownership
    /// lock is taken, so a gateway running on the same SQLite file with its counters in memory keeps them and is not blocked.
    /// </summary>
    public bool ShortLived { get; set; }

    /// <summary>
    /// Most PostgreSQL connections this process opens, across its pools (keys and provider state, budgets, ledger); a
    /// <c>Maximum Pool Size</c> in the connection string wins (per pool). Several instances on one database need
    /// instances × this below the server's <c>max_connections</c> (100 by default): three instances at 30 fit.
    /// </summary>
    public int PostgresMaxConnections { get; set; } = 30;

    /// <summary>With <see cref="BudgetCounterMode.Leased"/>: how much of a budget one lease takes from Redis (nano-units of the budget's currency).</summary>
    public long LeaseNanos { get; set; } = 100_000_000;

    /// <summary>How often in-process counters write their spend to the store (write-behind).</summary>
    public TimeSpan WriteBehindInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>Where budget counters live.</summary>
public enum BudgetCounterMode
{
    /// <summary>
    /// Redis when configured; PostgreSQL's transactional counters; on SQLite, in process (write-behind) when this is the
    /// only process using the file, else the file's transactional counters.
    /// </summary>
    Auto,

    /// <summary>A database transaction per hold and settle (Redis when configured): shared by every process.</summary>
    Store,

    /// <summary>In process, written behind to the store; refuses to start when another process uses the same SQLite file.</summary>
    WriteBehind,

    /// <summary>
    /// Redis (required), each process holding a lease of <see cref="TollgateStoreOptions.LeaseNanos"/> per budget as an
    /// ordinary hold and serving holds from it locally (<see cref="LeasedBudgetStore"/>): one Redis call per lease instead
    /// of per request. Every lease is a hold, so all processes together stay within each limit.
    /// </summary>
    Leased,
}
