using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;
using Tollgate.Alerts;
using Tollgate.Budgets;
using Tollgate.Keys;
using Tollgate.Ledger;
using Tollgate.PostgreSql.Budgets;
using Tollgate.PostgreSql.Keys;
using Tollgate.PostgreSql.Ledger;
using Tollgate.PostgreSql.Providers;
using Tollgate.RateLimits;
using Tollgate.Redis.Budgets;
using Tollgate.Redis.RateLimits;
using Tollgate.Routing;
using Tollgate.Sqlite.Budgets;
using Tollgate.Sqlite.Keys;
using Tollgate.Sqlite.Ledger;
using Tollgate.Sqlite.Providers;
using Tollgate.Storage;

namespace Tollgate.Hosting;

/// <summary>
/// The one composition root for Tollgate's state, used by <c>tollgate serve</c> and by <c>AddTollgate()</c> for
/// <c>Microsoft.Extensions.AI</c>: keys (and the dashboard's sessions), budget definitions and counters, alert history and
/// provider state in the main store; the ledger in its own SQLite file beside it (<c>data/tollgate.db</c> →
/// <c>data/tollgate.ledger.db</c>, so batch appends never block budget holds) or in the same PostgreSQL database; budget
/// holds in Redis when configured.
/// Both hosts open the same layout through this type, so in-process and gateway spend meet in the same stores.
/// </summary>
/// <remarks>
/// <see cref="Create"/> touches no database (dependency injection resolves it synchronously); <see cref="InitializeAsync"/>
/// creates schemas and, when this process keeps the counters in memory, rebuilds them from the ledger (set, never add),
/// so a crash loses no settled spend that reached the ledger. On SQLite, in-memory counters are used only while no
/// other process uses the file (<see cref="CounterOwnership"/>); otherwise every process uses the file's transactional counters.
/// </remarks>
public sealed class TollgateStores : IAsyncDisposable
{
    private readonly List<object> _owned = [];
    private readonly List<Func<CancellationToken, Task>> _initializers = [];
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;
    private readonly SemaphoreSlim _initializeLock = new(1, 1);
    private bool _initialized;

    private TollgateStores(TimeProvider time, ILogger? logger)
    {
        _time = time;
        _logger = logger;
    }

    public IKeyStore Keys { get; private init; } = null!;

    /// <summary>The dashboard's sign-in sessions, beside the keys (same file or database), so every instance shares them.</summary>
    public IDashboardSessionStore DashboardSessions { get; private init; } = null!;

    public ILedgerStore Ledger { get; private init; } = null!;

    /// <summary>Holds and spend: in process (write-behind), the database's transactional counters, or Redis.</summary>
    public IBudgetStore BudgetCounters { get; private init; } = null!;

    public IBudgetDefinitionStore BudgetDefinitions { get; private init; } = null!;

    public IAlertHistory AlertHistory { get; private init; } = null!;

    public IProviderStateStore ProviderState { get; private init; } = null!;

    /// <summary>The audit log of admin, CLI and configuration changes (in the same store as the state it records).</summary>
    public Tollgate.Audit.IAuditLog Audit { get; private init; } = null!;

    public IConnectionMultiplexer? Redis { get; private init; }

    public string RedisPrefix { get; private init; } = "tollgate";

    /// <summary>Where the ledger lives, for banners.</summary>
    public string LedgerLocation { get; private init; } = "";

    /// <summary>True when budget counters are kept in this process's memory and written behind to the store.</summary>
    public bool CountersInProcess => BudgetCounters is WriteBehindBudgetStore;

    /// <summary>How budget counters are kept, for banners.</summary>
    public string BudgetCountersDescription { get; private init; } = "";

    /// <summary>
    /// Builds the stores for <paramref name="options"/> without touching a database. Throws <see cref="TollgateStoreException"/>
    /// when another process keeps this SQLite file's counters in its memory (the two would not see each other's holds).
    /// </summary>
    public static TollgateStores Create(TollgateStoreOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var time = timeProvider ?? TimeProvider.System;
        var logger = loggerFactory?.CreateLogger<TollgateStores>();
        if (options.BudgetCounters == BudgetCounterMode.Leased && string.IsNullOrWhiteSpace(options.Redis))
        {
            throw new TollgateStoreException("budget counters 'leased' take budget leases from Redis: give redis (HOST:PORT), or use auto");
        }

        IConnectionMultiplexer? multiplexer = null;
        if (!string.IsNullOrWhiteSpace(options.Redis))
        {
            // abortConnect=false: never throws here; InitializeAsync checks the connection when it is required at start.
            var configuration = ConfigurationOptions.Parse(options.Redis);
            configuration.AbortOnConnectFail = false;
            // While Redis is away a command fails at once (the gateway answers 503 store_unavailable) instead of
            // waiting in a backlog for the connect timeout with the client on hold.
            configuration.BacklogPolicy = BacklogPolicy.FailFast;
            multiplexer = ConnectionMultiplexer.Connect(configuration);
        }

        var store = options.Store;
        var owned = new List<object>();
        var initializers = new List<Func<CancellationToken, Task>>();
        IKeyStore keys;
        IDashboardSessionStore sessions;
        ILedgerStore ledger;
        IBudgetStore counters;
        IBudgetDefinitionStore definitions;
        IAlertHistory alerts;
        IProviderStateStore providerState;
        Tollgate.Audit.IAuditLog audit;
        string ledgerLocation;
        string description;
        switch (store.Kind)
        {
            case StoreKind.InMemory:
            {
                keys = new InMemoryKeyStore();
                sessions = new InMemoryDashboardSessionStore(time);
                ledger = new InMemoryLedgerStore();
                counters = new InMemoryBudgetStore();
                definitions = new InMemoryBudgetDefinitionStore();
                alerts = new InMemoryAlertHistory();
                providerState = new InMemoryProviderStateStore();
                audit = new Tollgate.Audit.InMemoryAuditLog();
                ledgerLocation = "memory";
                description = "in process memory";
                break;
            }

            case StoreKind.Sqlite:
            {
                var path = store.ConnectionString;
                var sqliteKeys = SqliteKeyStore.ForFile(path);
                var budgets = new SqliteBudgetStore(path);
                var sqliteProviders = SqliteProviderStateStore.ForFile(path);
                var ledgerPath = LedgerPathBeside(path);
                var sqliteLedger = new SqliteLedgerStore(ledgerPath);
                var sqliteSessions = SqliteDashboardSessionStore.ForFile(path, time);
                initializers.Add(sqliteKeys.InitializeAsync);
                initializers.Add(sqliteSessions.InitializeAsync);
                sessions = sqliteSessions;
                initializers.Add(budgets.EnsureSchemaAsync);
                initializers.Add(sqliteProviders.InitializeAsync);
                var sqliteAudit = new Tollgate.Sqlite.Audit.SqliteAuditLog(path);
                initializers.Add(sqliteAudit.InitializeAsync);
                audit = sqliteAudit;
                (keys, ledger, definitions, alerts, providerState) = (sqliteKeys, sqliteLedger, budgets, budgets, sqliteProviders);
                ledgerLocation = "sqlite:" + ledgerPath;
                counters = budgets;
                description = "in the store (a transaction per hold and settle; shared with every process on the file)";
                if (multiplexer is not null || options.ShortLived)
                {
                    // A short-lived command reads and writes the file's counters directly; it takes no ownership lock,
                    // so it neither fails next to a gateway that keeps them in memory nor demotes one starting meanwhile.
                    break;
                }

                var ownership = options.BudgetCounters == BudgetCounterMode.Store ? null : CounterOwnership.TryExclusive(path);
                if (ownership is null)
                {
                    if (options.BudgetCounters == BudgetCounterMode.WriteBehind)
                    {
                        throw new TollgateStoreException($"another process uses {path}: budget counters cannot be kept in this process's memory (budgetCounters: write-behind). Stop the other process, or use budgetCounters: store (or auto) in every process on the file, or PostgreSQL / Redis");
                    }

                    ownership = CounterOwnership.TryShared(path) ?? throw new TollgateStoreException(
                        $"another Tollgate process keeps the budget counters of {path} in its memory (a gateway with budgetCounters: auto or write-behind and no other user of the file): " +
                        "its holds would be invisible here, so a hard budget could be overshot. Stop it and start every process with budgetCounters: store, or point them all at PostgreSQL / Redis");
                    owned.Add(ownership);
                    if (options.BudgetCounters == BudgetCounterMode.Auto)
                    {
                        logger?.LogInformation("another process uses {Path}: budget counters are kept in the store (a transaction per hold)", path);
                    }

                    break;
                }

                owned.Add(ownership);
                var writeBehind = new WriteBehindBudgetStore(budgets, time, options.WriteBehindInterval, logger);
                counters = writeBehind;
                description = $"in process (this process is the only user of the file), written to the store every {options.WriteBehindInterval.TotalMilliseconds:0} ms and rebuilt from the ledger at start";
                break;
            }

            default:
            {
                // Bounded pools: a burst waits for a connection instead of exhausting the server's ("too many clients").
                var pools = PostgresPools.Split(store.ConnectionString, options.PostgresMaxConnections);
                var dataSource = NpgsqlDataSource.Create(pools.Keys);
                var pgKeys = new PostgreSqlKeyStore(dataSource);
                var budgets = new PostgresBudgetStore(pools.Budgets);
                var pgProviders = new PostgreSqlProviderStateStore(dataSource);
                var pgSessions = new PostgreSqlDashboardSessionStore(dataSource, time);
                initializers.Add(pgKeys.InitializeAsync);
                initializers.Add(pgSessions.InitializeAsync);
                sessions = pgSessions;
                initializers.Add(budgets.EnsureSchemaAsync);
                initializers.Add(pgProviders.InitializeAsync);
                var pgAudit = new Tollgate.PostgreSql.Audit.PostgreSqlAuditLog(dataSource);
                initializers.Add(pgAudit.InitializeAsync);
                audit = pgAudit;
                (keys, ledger, definitions, alerts, providerState) = (pgKeys, new PostgreSqlLedgerStore(pools.Ledger), budgets, budgets, pgProviders);
                counters = budgets;
                description = "in the store (shared by every instance)";
                if (multiplexer is null && options.BudgetCounters == BudgetCounterMode.WriteBehind)
                {
                    // Explicitly asked for: one instance only (PostgreSQL gives no file lock to detect a second one).
                    counters = new WriteBehindBudgetStore(budgets, time, options.WriteBehindInterval, logger);
                    description = $"in process, written to the store every {options.WriteBehindInterval.TotalMilliseconds:0} ms (one instance only)";
                }

                ledgerLocation = "postgres (same database)";
                owned.Add(budgets);
                owned.Add(dataSource);
                break;
            }
        }

        if (multiplexer is not null)
        {
            var redisCounters = new RedisBudgetStore(multiplexer, options.RedisPrefix);
            counters = redisCounters;
            description = "redis (shared by every instance)";
            if (options.BudgetCounters == BudgetCounterMode.Leased)
            {
                counters = new LeasedBudgetStore(redisCounters, new LeasedBudgetStoreOptions { LeaseNanos = options.LeaseNanos, TimeProvider = time });
                description = $"redis, each instance serving holds from leases of {Tollgate.Costing.Money.FromNanos(options.LeaseNanos)} per budget (settled every second)";
            }
        }

        var stores = new TollgateStores(time, logger)
        {
            Keys = keys,
            DashboardSessions = sessions,
            Ledger = ledger,
            BudgetCounters = counters,
            BudgetDefinitions = definitions,
            AlertHistory = alerts,
            ProviderState = providerState,
            Audit = audit,
            Redis = multiplexer,
            RedisPrefix = options.RedisPrefix,
            LedgerLocation = ledgerLocation,
            BudgetCountersDescription = description,
        };
        stores._initializers.AddRange(initializers);
        if (multiplexer is not null && options.RequireRedisAtStart)
        {
            var redis = options.Redis;
            stores._initializers.Add(_ => multiplexer.IsConnected
                ? Task.CompletedTask
                : throw new TollgateStoreException($"redis {redis} cannot be reached: check the address (HOST:PORT) and that Redis runs"));
        }

        if (counters is WriteBehindBudgetStore)
        {
            stores._initializers.Add(stores.RebuildCountersFromLedgerAsync);
        }

        if (counters is WriteBehindBudgetStore or LeasedBudgetStore)
        {
            stores._owned.Add(counters);
        }

        stores._owned.AddRange(owned);
        if (multiplexer is not null)
        {
            stores._owned.Add(multiplexer);
        }

        return stores;
    }

    /// <summary>Creates schemas and rebuilds in-process counters from the ledger; runs once (later calls return at once).</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _initialized))
        {
            return;
        }

        await _initializeLock.WaitAsync(cancellationToken);
        try
        {
            if (_initialized)
            {
                return;
            }

            foreach (var initialize in _initializers)
            {
                await initialize(cancellationToken);
            }

            Volatile.Write(ref _initialized, true);
        }
        finally
        {
            _initializeLock.Release();
        }
    }

    /// <summary>A rate limiter for these rules: shared through Redis when configured, else in process.</summary>
    public IRateLimiter CreateRateLimiter(IEnumerable<RateLimitRule> rules, TimeProvider time, string? prefix = null) =>
        Redis is { } redis ? new RedisRateLimiter(redis, rules, prefix ?? RedisPrefix, time) : new InMemoryRateLimiter(rules, time);

    /// <summary>The SQLite ledger file for a store file: <c>data/tollgate.db</c> → <c>data/tollgate.ledger.db</c>.</summary>
    public static string LedgerPathBeside(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(path) ?? "";
        return Path.Combine(directory, Path.GetFileNameWithoutExtension(path) + ".ledger" + (Path.HasExtension(path) ? Path.GetExtension(path) : ".db"));
    }

    /// <summary>
    /// In-process counters are written behind, so a crash can lose their last writes; the ledger holds every settled
    /// call durably, so each budget's current window is recomputed from it and <em>set</em> (never added) at start.
    /// Safe because this process holds the file's counters exclusively: nobody else is spending on it meanwhile.
    /// </summary>
    private async Task RebuildCountersFromLedgerAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var budget in await BudgetDefinitions.ListAsync(cancellationToken))
        {
            try
            {
                await BudgetRecompute.RecomputeAsync(budget, Ledger, BudgetCounters, now, null, cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                // A budget in a currency without a rate keeps the spend the store had; say so instead of failing the start.
                _logger?.LogWarning("budget {Budget} was not recomputed from the ledger: {Reason}", budget.Id, ex.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Counters first (their last write-behind flush or lease settlement needs the store), then the ledger, then
        // connections and locks.
        foreach (var item in _owned.Where(o => o is WriteBehindBudgetStore or LeasedBudgetStore).Cast<IAsyncDisposable>())
        {
            await item.DisposeAsync();
        }

        await Ledger.DisposeAsync();
        foreach (var item in _owned)
        {
            switch (item)
            {
                case WriteBehindBudgetStore or LeasedBudgetStore:
                    break;
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        _initializeLock.Dispose();
    }
}

/// <summary>The stores cannot be used as configured; the message says what to fix.</summary>
public sealed class TollgateStoreException(string message) : Exception(message);
