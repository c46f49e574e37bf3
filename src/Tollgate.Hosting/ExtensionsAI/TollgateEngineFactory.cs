using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Alerts;
using Tollgate.Budgets;
using Tollgate.Hosting;
using Tollgate.Ledger;
using Tollgate.Pricing;
using Tollgate.Storage;

namespace Tollgate.Extensions.AI;

/// <summary>
/// Builds a <see cref="TollgateEngine"/> over the stores <see cref="TollgateStores"/> opens for the gateway too (SQLite by
/// default, PostgreSQL, memory; budget counters optionally in Redis). Nothing here touches a database: schemas are created and seed
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

        // The same composition root as `tollgate serve` (Tollgate.Hosting): same store layout, same counters, so
        // in-process and gateway spend meet in the same budgets and ledger. Counters stay in the store (a transaction
        // per hold): an app is rarely the only process on the file, and the gateway's in-memory counters refuse to share it.
        var stores = TollgateStores.Create(new TollgateStoreOptions
        {
            Store = store,
            Redis = options.Redis,
            RedisPrefix = options.RedisPrefix,
            BudgetCounters = BudgetCounterMode.Store,
        }, time, loggerFactory);
        owned.Add(stores);
        initializers.Add(stores.InitializeAsync);
        var ledgerStore = stores.Ledger;
        var budgetStore = stores.BudgetCounters;
        var definitions = stores.BudgetDefinitions;

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

        var writer = new LedgerWriter(ledgerStore, options.Ledger, time, loggerFactory?.CreateLogger<LedgerWriter>());
        owned.Add(writer); // disposed first (reverse order): flushes into the stores before they close

        // A budget defined while the app runs (the gateway's admin API, `tollgate budget set`) counts its window's
        // earlier spend from the shared ledger as soon as this gate sees it, as the gateway's does.
        var gateOptions = options.Budgets.WithLedger(ledgerStore, async cancellationToken => await writer.FlushAsync(cancellationToken));
        gateOptions.ExchangeRates = options.BudgetExchangeRates(time);
        var gate = new BudgetGate(budgetStore, definitions, time, gateOptions, loggerFactory?.CreateLogger<BudgetGate>());
        // Metering's alerts (usage a provider reported that could not be billed) go to the store's alert history, as the gateway's do.
        var alerts = new AlertDispatcher(stores.AlertHistory, [new LogAlertSink((loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<LogAlertSink>())]);
        return new TollgateEngine(new CostEngine(catalog, options.Pricing), gate, writer, ledgerStore, time, loggerFactory, owned, initializers) { Alerts = alerts };
    }

    /// <summary>The SQLite ledger file for a store file, as <c>tollgate serve</c> lays it out: <c>data/tollgate.db</c> → <c>data/tollgate.ledger.db</c>.</summary>
    public static string LedgerPathBeside(string path) => TollgateStores.LedgerPathBeside(path);
}
