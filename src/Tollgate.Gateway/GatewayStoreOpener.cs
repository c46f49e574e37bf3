using Npgsql;
using Tollgate.Costing;
using Tollgate.Gateway.Configuration;
using Tollgate.Hosting;
using Tollgate.Storage;

namespace Tollgate.Gateway;

/// <summary>Opens the gateway's stores (schemas, the counter lock's rebuild), turning what fails into a <see cref="GatewayConfigurationException"/> saying what to fix.</summary>
internal static class GatewayStoreOpener
{
    public static async Task<TollgateStores> OpenAsync(GatewayOptions options, StoreLocation store, TimeProvider time, CancellationToken cancellationToken)
    {
        TollgateStores stores;
        try
        {
            stores = TollgateStores.Create(new TollgateStoreOptions
            {
                Store = store,
                Redis = string.IsNullOrWhiteSpace(options.Redis) ? null : options.Redis,
                RequireRedisAtStart = true,
                BudgetCounters = options.BudgetCounters switch
                {
                    "store" => BudgetCounterMode.Store,
                    "write-behind" => BudgetCounterMode.WriteBehind,
                    "leased" => BudgetCounterMode.Leased,
                    _ => BudgetCounterMode.Auto,
                },
                LeaseNanos = Money.ToNanos(options.BudgetLeaseUsd),
                WriteBehindInterval = TimeSpan.FromMilliseconds(options.BudgetCountersFlushMilliseconds),
                PostgresMaxConnections = options.PostgresMaxConnections,
            }, time);
        }
        catch (TollgateStoreException ex)
        {
            throw new GatewayConfigurationException(ex.Message);
        }

        try
        {
            await stores.InitializeAsync(cancellationToken);
        }
        catch (TollgateStoreException ex)
        {
            await stores.DisposeAsync();
            throw new GatewayConfigurationException(ex.Message);
        }
        catch (Exception ex) when (ex is NpgsqlException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            await stores.DisposeAsync();
            throw new GatewayConfigurationException($"the store {store} cannot be opened ({ex.Message.Split('\n')[0]}): check --store and that the database is reachable");
        }

        return stores;
    }
}
