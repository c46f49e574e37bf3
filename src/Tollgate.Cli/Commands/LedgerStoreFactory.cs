using System.Data.Common;
using Tollgate.Ledger;
using Tollgate.PostgreSql.Ledger;
using Tollgate.Sqlite.Ledger;
using Tollgate.Storage;

namespace Tollgate.Cli.Commands;

/// <summary>Opens the ledger named by <c>--store</c>.</summary>
internal static class LedgerStoreFactory
{
    public static ILedgerStore Open(StoreLocation location) => location.Kind switch
    {
        StoreKind.InMemory => new InMemoryLedgerStore(),
        StoreKind.Sqlite => new SqliteLedgerStore(location.SqlitePath!),
        _ => new PostgreSqlLedgerStore(location.ConnectionString),
    };

    /// <summary>Runs a command body, turning database failures into a message that names the store.</summary>
    public static async Task<int> RunAsync(StoreLocation location, Func<ILedgerStore, Task<int>> body)
    {
        try
        {
            await using var store = Open(location);
            return await body(store);
        }
        catch (DbException ex)
        {
            throw new CliException($"ledger store {location}: {ex.Message.Split('\n')[0]}");
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new CliException($"ledger store {location} is unreachable: {ex.Message}");
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("schema version", StringComparison.Ordinal))
        {
            throw new CliException(ex.Message);
        }
    }
}
