using System.Text.Json;
using Tollgate.Alerts;
using Tollgate.Budgets;
using Tollgate.Hosting;
using Tollgate.Ledger;
using Tollgate.Routing;

namespace Tollgate.Cli.Commands;

/// <summary>
/// The budget definitions, counters, alert history and ledger a budget command works on: the stores of <c>--store</c>
/// (and <c>--redis</c> or the config's budgets.redis for counters) opened through <see cref="CliStores"/>, plus the
/// config's exchange rates.
/// </summary>
internal sealed class BudgetStores : IAsyncDisposable
{
    private readonly TollgateStores _stores;

    private BudgetStores(TollgateStores stores, IExchangeRateSource rates)
    {
        _stores = stores;
        Rates = rates;
    }

    public IBudgetDefinitionStore Definitions => _stores.BudgetDefinitions;

    public IBudgetStore Counters => _stores.BudgetCounters;

    public IAlertHistory History => _stores.AlertHistory;

    public ILedgerStore Ledger => _stores.Ledger;

    public IProviderStateStore ProviderState => _stores.ProviderState;

    public IExchangeRateSource Rates { get; }

    /// <summary>Records this command's changes in the store's audit log (actor <c>cli</c>).</summary>
    public Tollgate.Audit.AuditRecorder Audit => new(_stores.Audit);

    public BudgetGate Gate(TimeProvider? time = null) => new(Counters, Definitions, time, new BudgetGateOptions { ExchangeRates = Rates, DefinitionRefresh = TimeSpan.Zero });

    public static async Task<BudgetStores> OpenAsync(string? store, StoreAccess access, FileInfo? config, string? redis, string? redisPrefix, CancellationToken cancellationToken)
    {
        var location = CommonOptions.ParseStore(store);
        var settings = await BudgetConfig.ReadAsync(config, cancellationToken);
        var stores = await CliStores.OpenAsync(location, access, cancellationToken, redis ?? settings.Redis, redisPrefix ?? settings.RedisPrefix);
        return new BudgetStores(stores, settings.Rates);
    }

    public ValueTask DisposeAsync() => _stores.DisposeAsync();

    /// <summary>The "budgets" section of tollgate.json: <c>{"budgets": {"exchange_rates": {"EUR": 0.92}, "redis": "host:port", "redis_prefix": "tollgate"}}</c>.</summary>
    internal sealed record BudgetConfig(IExchangeRateSource Rates, string? Redis, string? RedisPrefix)
    {
        public static async Task<BudgetConfig> ReadAsync(FileInfo? file, CancellationToken cancellationToken)
        {
            if (file is null)
            {
                return new BudgetConfig(FixedExchangeRates.UsdOnly, null, null);
            }

            if (!file.Exists)
            {
                throw new CliException($"config file '{file.FullName}' does not exist");
            }

            try
            {
                await using var stream = file.OpenRead();
                using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
                if (!doc.RootElement.TryGetProperty("budgets", out var budgets) || budgets.ValueKind != JsonValueKind.Object)
                {
                    return new BudgetConfig(FixedExchangeRates.UsdOnly, null, null);
                }

                var rates = new Dictionary<string, decimal>();
                if (budgets.TryGetProperty("exchange_rates", out var r))
                {
                    foreach (var p in r.EnumerateObject())
                    {
                        if (!p.Value.TryGetDecimal(out var rate) || rate <= 0)
                        {
                            throw new CliException($"config budgets.exchange_rates.{p.Name} must be a positive number (units per 1 USD)");
                        }

                        rates[p.Name] = rate;
                    }
                }

                return new BudgetConfig(
                    new FixedExchangeRates(rates),
                    budgets.TryGetProperty("redis", out var redis) ? redis.GetString() : null,
                    budgets.TryGetProperty("redis_prefix", out var prefix) ? prefix.GetString() : null);
            }
            catch (JsonException ex)
            {
                throw new CliException($"config file '{file.Name}' is not valid JSON: {Gateway.Configuration.FriendlyTypeNames.Rewrite(ex.Message)}");
            }
        }
    }
}
