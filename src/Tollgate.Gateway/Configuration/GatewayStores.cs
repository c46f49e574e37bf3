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

namespace Tollgate.Gateway.Configuration;

/// <summary>
/// The stores behind one gateway, chosen by <c>--store</c> and <c>--redis</c>: keys, budget definitions and counters,
/// alert history and provider state in the main database; the ledger in its own SQLite file (so batch appends never
/// block budget holds) or in PostgreSQL; budget holds and rate-limit counters in Redis when several instances share them.
/// </summary>
internal sealed class GatewayStores : IAsyncDisposable
{
    private readonly List<object> _owned = [];

    public required IKeyStore Keys { get; init; }

    public required ILedgerStore Ledger { get; init; }

    public required IBudgetStore BudgetCounters { get; init; }

    public required IBudgetDefinitionStore BudgetDefinitions { get; init; }

    public required IAlertHistory AlertHistory { get; init; }

    public required IProviderStateStore ProviderState { get; init; }

    public IConnectionMultiplexer? Redis { get; init; }

    /// <summary>Where the ledger lives, for the banner.</summary>
    public required string LedgerLocation { get; init; }

    /// <summary>A rate limiter for these rules: shared through Redis when configured, else in process.</summary>
    public IRateLimiter CreateRateLimiter(IEnumerable<RateLimitRule> rules, TimeProvider time, string prefix = "tollgate") =>
        Redis is { } redis ? new RedisRateLimiter(redis, rules, prefix, time) : new InMemoryRateLimiter(rules, time);

    public static async Task<GatewayStores> OpenAsync(StoreLocation store, string? redis, string budgetCounters, TimeProvider time, CancellationToken cancellationToken)
    {
        IConnectionMultiplexer? multiplexer = null;
        if (redis is not null)
        {
            try
            {
                multiplexer = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { redis }, AbortOnConnectFail = true, ConnectTimeout = 5000 });
            }
            catch (RedisConnectionException ex)
            {
                throw new GatewayConfigurationException($"redis {redis} cannot be reached ({ex.Message.Split('\n')[0]}): check --redis HOST:PORT and that Redis runs");
            }
        }

        GatewayStores stores;
        switch (store.Kind)
        {
            case StoreKind.InMemory:
            {
                var budgets = new InMemoryBudgetStore();
                stores = new GatewayStores
                {
                    Keys = new InMemoryKeyStore(),
                    Ledger = new InMemoryLedgerStore(),
                    BudgetCounters = multiplexer is null ? budgets : new RedisBudgetStore(multiplexer),
                    BudgetDefinitions = new InMemoryBudgetDefinitionStore(),
                    AlertHistory = new InMemoryAlertHistory(),
                    ProviderState = new InMemoryProviderStateStore(),
                    Redis = multiplexer,
                    LedgerLocation = "memory",
                };
                break;
            }

            case StoreKind.Sqlite:
            {
                var keys = SqliteKeyStore.ForFile(store.ConnectionString);
                await keys.InitializeAsync(cancellationToken);
                var budgets = await SqliteBudgetStore.OpenAsync(store.ConnectionString, cancellationToken);
                var providerState = SqliteProviderStateStore.ForFile(store.ConnectionString);
                await providerState.InitializeAsync(cancellationToken);
                var ledgerPath = LedgerPathBeside(store.ConnectionString);
                WriteBehindBudgetStore? writeBehind = multiplexer is null && budgetCounters is "auto" or "write-behind"
                    ? new WriteBehindBudgetStore(budgets, time, TimeSpan.FromMilliseconds(200))
                    : null;
                stores = new GatewayStores
                {
                    Keys = keys,
                    Ledger = new SqliteLedgerStore(ledgerPath),
                    BudgetCounters = multiplexer is not null ? new RedisBudgetStore(multiplexer) : writeBehind is not null ? writeBehind : budgets,
                    BudgetDefinitions = budgets,
                    AlertHistory = budgets,
                    ProviderState = providerState,
                    Redis = multiplexer,
                    LedgerLocation = "sqlite:" + ledgerPath,
                };
                if (writeBehind is not null)
                {
                    stores._owned.Add(writeBehind);
                }

                break;
            }

            default:
            {
                var dataSource = NpgsqlDataSource.Create(store.ConnectionString);
                var keys = new PostgreSqlKeyStore(dataSource);
                await keys.InitializeAsync(cancellationToken);
                var budgets = await PostgresBudgetStore.OpenAsync(store.ConnectionString, cancellationToken);
                var providerState = new PostgreSqlProviderStateStore(dataSource);
                await providerState.InitializeAsync(cancellationToken);
                WriteBehindBudgetStore? writeBehind = multiplexer is null && budgetCounters == "write-behind"
                    ? new WriteBehindBudgetStore(budgets, time, TimeSpan.FromMilliseconds(200))
                    : null;
                stores = new GatewayStores
                {
                    Keys = keys,
                    Ledger = new PostgreSqlLedgerStore(store.ConnectionString),
                    BudgetCounters = multiplexer is not null ? new RedisBudgetStore(multiplexer) : writeBehind is not null ? writeBehind : budgets,
                    BudgetDefinitions = budgets,
                    AlertHistory = budgets,
                    ProviderState = providerState,
                    Redis = multiplexer,
                    LedgerLocation = "postgres (same database)",
                };
                if (writeBehind is not null)
                {
                    stores._owned.Add(writeBehind);
                }

                stores._owned.Add(dataSource);
                stores._owned.Add(budgets);
                break;
            }
        }

        if (multiplexer is not null)
        {
            stores._owned.Add(multiplexer);
        }

        return stores;
    }

    /// <summary><c>data/tollgate.db</c> → <c>data/tollgate.ledger.db</c>.</summary>
    internal static string LedgerPathBeside(string path)
    {
        var directory = Path.GetDirectoryName(path) ?? "";
        return Path.Combine(directory, Path.GetFileNameWithoutExtension(path) + ".ledger" + (Path.HasExtension(path) ? Path.GetExtension(path) : ".db"));
    }

    /// <summary>How budget counters are kept, for the banner.</summary>
    public string BudgetCountersDescription => BudgetCounters switch
    {
        WriteBehindBudgetStore => "in process, written to the store every 200 ms (one instance)",
        RedisBudgetStore => "redis (shared by every instance)",
        InMemoryBudgetStore => "in process memory",
        _ => "in the store (shared by every instance)",
    };

    public async ValueTask DisposeAsync()
    {
        await Ledger.DisposeAsync();
        foreach (var item in _owned)
        {
            switch (item)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }
}
