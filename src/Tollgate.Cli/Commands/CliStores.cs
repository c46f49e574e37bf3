using System.Data.Common;
using Tollgate.Hosting;
using Tollgate.Ledger;
using Tollgate.Storage;

namespace Tollgate.Cli.Commands;

/// <summary>
/// Opens Tollgate's state for a command through the same composition root as <c>tollgate serve</c>
/// (<see cref="TollgateStores"/>), so given the same <c>--store</c> every command and the gateway see the same ledger,
/// keys, budgets, alert history and provider state. Database failures become messages that name the store.
/// </summary>
internal static class CliStores
{
    /// <summary>Opens and initializes the stores, or throws a <see cref="CliException"/> saying what to fix.</summary>
    public static async Task<TollgateStores> OpenAsync(StoreLocation location, StoreAccess access, CancellationToken cancellationToken, string? redis = null, string? redisPrefix = null)
    {
        if (access == StoreAccess.Read)
        {
            RequireExisting(location);
        }

        TollgateStores stores;
        try
        {
            stores = TollgateStores.Create(new TollgateStoreOptions
            {
                Store = location,
                Redis = redis,
                RedisPrefix = string.IsNullOrWhiteSpace(redisPrefix) ? "tollgate" : redisPrefix,
                RequireRedisAtStart = true,
                ShortLived = true,
            });
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Explain(location, ex);
        }

        try
        {
            await stores.InitializeAsync(cancellationToken);
            return stores;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            await stores.DisposeAsync();
            throw Explain(location, ex);
        }
    }

    /// <summary>Runs a command body on the stores, turning database failures (also while querying) into a message that names the store.</summary>
    public static async Task<int> RunAsync(StoreLocation location, StoreAccess access, Func<TollgateStores, Task<int>> body, CancellationToken cancellationToken)
    {
        await using var stores = await OpenAsync(location, access, cancellationToken);
        try
        {
            return await body(stores);
        }
        catch (Exception ex) when (ex is DbException or System.Net.Sockets.SocketException || IsSchemaMismatch(ex))
        {
            throw Explain(location, ex);
        }
    }

    /// <summary>Runs a command body on the ledger of <paramref name="location"/> (for SQLite, the ledger file beside the store).</summary>
    public static Task<int> RunLedgerAsync(StoreLocation location, StoreAccess access, Func<ILedgerStore, Task<int>> body, CancellationToken cancellationToken) =>
        RunAsync(location, access, stores => body(stores.Ledger), cancellationToken);

    /// <summary>
    /// A report on a store that is not there would show nothing as if nothing had happened: say where the command looked
    /// instead. A SQLite store exists when its file or its ledger file does.
    /// </summary>
    private static void RequireExisting(StoreLocation location)
    {
        if (location.SqlitePath is not { } path || File.Exists(path) || File.Exists(TollgateStores.LedgerPathBeside(path)))
        {
            return;
        }

        var full = Path.GetFullPath(path);
        throw new CliException(
            $"no Tollgate store at {full} (--store {location}): nothing has been recorded there. " +
            "Run this command in the directory where 'tollgate serve' runs, or pass the --store the gateway uses (sqlite:PATH or postgres://…)");
    }

    private static bool IsStoreFailure(Exception ex) =>
        ex is DbException or System.Net.Sockets.SocketException or TollgateStoreException or IOException or UnauthorizedAccessException
        || IsSchemaMismatch(ex);

    private static bool IsSchemaMismatch(Exception ex) =>
        ex is InvalidOperationException && ex.Message.Contains("schema version", StringComparison.Ordinal);

    private static CliException Explain(StoreLocation location, Exception ex) => ex switch
    {
        TollgateStoreException or InvalidOperationException => new CliException(ex.Message),
        System.Net.Sockets.SocketException => new CliException($"store {location} is unreachable: {ex.Message}"),
        _ => new CliException($"store {location}: {ex.Message.Split('\n')[0]}"),
    };
}
