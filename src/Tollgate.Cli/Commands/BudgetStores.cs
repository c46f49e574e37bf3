using System.Text.Json;
using StackExchange.Redis;
using Tollgate.Alerts;
using Tollgate.Budgets;
using Tollgate.PostgreSql.Budgets;
using Tollgate.Redis.Budgets;
using Tollgate.Sqlite.Budgets;
using Tollgate.Storage;

namespace Tollgate.Cli.Commands;

/// <summary>The budget definitions, counters and alert history a budget command works on (from --store, --redis, --config).</summary>
internal sealed class BudgetStores : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private BudgetStores(IBudgetDefinitionStore definitions, IBudgetStore counters, IAlertHistory history, IExchangeRateSource rates)
    {
        Definitions = definitions;
        Counters = counters;
        History = history;
        Rates = rates;
    }

    public IBudgetDefinitionStore Definitions { get; }

    public IBudgetStore Counters { get; private set; }

    public IAlertHistory History { get; }

    public IExchangeRateSource Rates { get; }

    public BudgetGate Gate(TimeProvider? time = null) => new(Counters, Definitions, time, new BudgetGateOptions { ExchangeRates = Rates, DefinitionRefresh = TimeSpan.Zero });

    public static async Task<BudgetStores> OpenAsync(string? store, FileInfo? config, string? redis, string? redisPrefix, CancellationToken cancellationToken)
    {
        var location = CommonOptions.ParseStore(store);
        var settings = await BudgetConfig.ReadAsync(config, cancellationToken);
        redis ??= settings.Redis;
        BudgetStores result;
        switch (location.Kind)
        {
            case StoreKind.InMemory:
                {
                    var counters = new InMemoryBudgetStore();
                    result = new BudgetStores(new InMemoryBudgetDefinitionStore(), counters, new InMemoryAlertHistory(), settings.Rates);
                    break;
                }

            case StoreKind.Sqlite:
                {
                    var sqlite = await OpenOrExplainAsync(() => SqliteBudgetStore.OpenAsync(location.ConnectionString, cancellationToken), location);
                    result = new BudgetStores(sqlite, sqlite, sqlite, settings.Rates);
                    break;
                }

            default:
                {
                    var pg = await OpenOrExplainAsync(() => PostgresBudgetStore.OpenAsync(location.ConnectionString, cancellationToken), location);
                    result = new BudgetStores(pg, pg, pg, settings.Rates);
                    result._owned.Add(pg);
                    break;
                }
        }

        if (!string.IsNullOrWhiteSpace(redis))
        {
            ConnectionMultiplexer multiplexer;
            try
            {
                multiplexer = await ConnectionMultiplexer.ConnectAsync(redis);
            }
            catch (RedisConnectionException ex)
            {
                throw new CliException($"cannot reach Redis at '{redis}': {ex.Message.Split('\n')[0]}");
            }

            result.Counters = new RedisBudgetStore(multiplexer, redisPrefix ?? settings.RedisPrefix ?? "tollgate");
            result._owned.Add(multiplexer);
        }

        return result;
    }

    private static async Task<T> OpenOrExplainAsync<T>(Func<Task<T>> open, StoreLocation location)
    {
        try
        {
            return await open();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new CliException($"cannot open store {location}: {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _owned)
        {
            await d.DisposeAsync();
        }
    }

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
