using Tollgate.Budgets;
using Tollgate.Ledger;
using Tollgate.Pricing;

namespace Tollgate.Extensions.AI;

/// <summary>
/// What <c>services.AddTollgate(...)</c> builds the engine from. The store syntax is the gateway's <c>--store</c>,
/// so an app and <c>tollgate serve</c> pointed at the same store (and Redis) share budgets and the ledger.
/// </summary>
public sealed class TollgateOptions
{
    /// <summary><c>sqlite:PATH</c> (default <c>sqlite:data/tollgate.db</c>), <c>postgres://user:pass@host:port/db</c> (or <c>Host=…</c>), or <c>memory</c>.</summary>
    public string Store { get; set; } = "sqlite:" + Storage.StoreLocation.DefaultSqlitePath;

    /// <summary>
    /// Optional Redis (<c>host:port</c> or a StackExchange.Redis configuration string) holding the budget counters
    /// and holds, as gateway instances started with the same Redis do; budget definitions stay in <see cref="Store"/>.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>Redis key prefix; must match the gateway's to share its counters.</summary>
    public string RedisPrefix { get; set; } = "tollgate";

    public PricingOptions Pricing { get; set; } = new();

    public BudgetGateOptions Budgets { get; set; } = new();

    /// <summary>
    /// The rates budgets in other currencies are converted with: <see cref="BudgetGateOptions.ExchangeRates"/> when set,
    /// otherwise the dated rates of <see cref="PricingOptions.ExchangeRates"/> — one place to configure them, as in the gateway.
    /// </summary>
    public IExchangeRateSource BudgetExchangeRates(TimeProvider? timeProvider = null) =>
        !ReferenceEquals(Budgets.ExchangeRates, FixedExchangeRates.UsdOnly) || Pricing.ExchangeRates.Count == 0
            ? Budgets.ExchangeRates
            : new DatedExchangeRates(Pricing.ExchangeRates, timeProvider);

    public LedgerWriterOptions Ledger { get; set; } = new();

    /// <summary>Budgets created or replaced in the store at start (budgets can also be managed with <c>tollgate budget</c>).</summary>
    public IList<Budget> SeedBudgets { get; set; } = [];

    /// <summary>Defaults of the clients created from the container (<see cref="TollgateServiceCollectionExtensions.AddTollgateChatClient"/>).</summary>
    public TollgateChatClientOptions Client { get; set; } = new();
}
