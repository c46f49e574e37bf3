using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Tollgate.Budgets;
using Tollgate.Ledger;
using Tollgate.PostgreSql.Budgets;
using Tollgate.PostgreSql.Ledger;
using Tollgate.Pricing;
using Tollgate.Redis.Budgets;
using Tollgate.Sqlite.Budgets;
using Tollgate.Sqlite.Ledger;
using Tollgate.Storage;

namespace Tollgate.Extensions.AI;

/// <summary>
/// Builds a <see cref="TollgateEngine"/> over the same store types the gateway uses (SQLite by default, PostgreSQL,
/// memory; budget counters optionally in Redis). Nothing here touches a database: schemas are created and seed
/// budgets written by <see cref="TollgateEngine.InitializeAsync"/>, which the first metered call awaits.
/// </summary>
public static class TollgateEngineFactory
{
    public static TollgateEngine Create(TollgateOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new TollgateOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException("Invalid Tollgate options: " + validation.FailureMessage, nameof(options));
        }

        var time = timeProvider ?? TimeProvider.System;
        StoreLocation.TryParse(options.Store, out var store, out _);
        var owned = new List<object>();
        var initializers = new List<Func<CancellationToken, Task>>();

        ILedgerStore ledgerStore;
        IBudgetStore budgetStore;
        IBudgetDefinitionStore definitions;
        switch (store.Kind)
        {
            case StoreKind.InMemory:
                ledgerStore = new InMemoryLedgerStore();
                budgetStore = new InMemoryBudgetStore();
                definitions = new InMemoryBudgetDefinitionStore();
                break;
            case StoreKind.Sqlite:
                // The gateway keeps the ledger in its own file beside the main one (batch appends never block budget
                // holds); the same layout here means both hosts write to the same ledger.
                var sqliteLedger = new SqliteLedgerStore(LedgerPathBeside(store.ConnectionString));
                var sqliteBudgets = new SqliteBudgetStore(store.ConnectionString);
                ledgerStore = sqliteLedger;
                (budgetStore, definitions) = (sqliteBudgets, sqliteBudgets);
                owned.Add(sqliteLedger);
                initializers.Add(sqliteBudgets.EnsureSchemaAsync);
                break;
            default:
                var pgLedger = new PostgreSqlLedgerStore(store.ConnectionString);
                var pgBudgets = new PostgresBudgetStore(store.ConnectionString);
                ledgerStore = pgLedger;
                (budgetStore, definitions) = (pgBudgets, pgBudgets);
                owned.Add(pgLedger);
                owned.Add(pgBudgets);
                initializers.Add(pgBudgets.EnsureSchemaAsync);
                break;
        }

        if (options.Redis is { } redis)
        {
            // abortConnect=false: the connection is made in the background and retried, so building the engine never blocks on Redis.
            var multiplexer = ConnectionMultiplexer.Connect(redis + ",abortConnect=false");
            owned.Add(multiplexer);
            budgetStore = new RedisBudgetStore(multiplexer, options.RedisPrefix);
        }

        if (options.SeedBudgets.Count > 0)
        {
            var seed = options.SeedBudgets.ToList();
            initializers.Add(async cancellationToken =>
            {
                foreach (var budget in seed)
                {
                    await definitions.UpsertAsync(budget, cancellationToken);
                }
            });
        }

        var catalog = new PriceCatalogSource(options.Pricing, time);
        owned.Add(catalog);
        if (options.Pricing.CatalogUrl is not null)
        {
            catalog.Start();
        }

        var gate = new BudgetGate(budgetStore, definitions, time, options.Budgets, loggerFactory?.CreateLogger<BudgetGate>());
        var writer = new LedgerWriter(ledgerStore, options.Ledger, time, loggerFactory?.CreateLogger<LedgerWriter>());
        owned.Add(writer); // disposed first (reverse order): flushes into the stores before they close
        return new TollgateEngine(new CostEngine(catalog, options.Pricing), gate, writer, ledgerStore, time, loggerFactory, owned, initializers);
    }

    /// <summary>The SQLite ledger file for a store file, as <c>tollgate serve</c> lays it out: <c>data/tollgate.db</c> → <c>data/tollgate.ledger.db</c>.</summary>
    public static string LedgerPathBeside(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(path) ?? "";
        return Path.Combine(directory, Path.GetFileNameWithoutExtension(path) + ".ledger" + (Path.HasExtension(path) ? Path.GetExtension(path) : ".db"));
    }
}
