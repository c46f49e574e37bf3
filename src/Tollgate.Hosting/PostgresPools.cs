using Npgsql;

namespace Tollgate.Hosting;

/// <summary>
/// The connection strings of one process's three PostgreSQL pools, sharing a maximum: keys and provider state (cached,
/// one lookup per new key) a sixth, budget counters and definitions (a transaction per hold and settle when they live
/// in the database) half, the ledger (one batch writer plus reports) the rest. A <c>Maximum Pool Size</c> the operator
/// put in the connection string is kept as it is, for every pool.
/// </summary>
internal sealed record PostgresPools(string Keys, string Budgets, string Ledger)
{
    public static PostgresPools Split(string connectionString, int maxConnections)
    {
        var given = new NpgsqlConnectionStringBuilder(connectionString);
        if (connectionString.Contains("pool size", StringComparison.OrdinalIgnoreCase) || connectionString.Contains("maxpoolsize", StringComparison.OrdinalIgnoreCase))
        {
            return new PostgresPools(connectionString, connectionString, connectionString);
        }

        var keys = Math.Max(2, maxConnections / 6);
        var budgets = Math.Max(2, maxConnections / 2);
        var ledger = Math.Max(2, maxConnections - keys - budgets);
        return new PostgresPools(With(given, keys), With(given, budgets), With(given, ledger));
    }

    private static string With(NpgsqlConnectionStringBuilder given, int size) =>
        new NpgsqlConnectionStringBuilder(given.ConnectionString) { MaxPoolSize = size, MinPoolSize = Math.Min(given.MinPoolSize, size) }.ConnectionString;
}
