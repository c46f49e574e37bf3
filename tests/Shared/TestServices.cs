using Npgsql;

namespace Tollgate.Testing;

/// <summary>Real PostgreSQL and Redis from TOLLGATE_TEST_POSTGRES / TOLLGATE_TEST_REDIS; missing means FAIL, never skip.</summary>
internal static partial class TestServices
{
    public static string PostgresAdmin =>
        Environment.GetEnvironmentVariable("TOLLGATE_TEST_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("TOLLGATE_TEST_POSTGRES is not set: export TOLLGATE_TEST_POSTGRES='Host=127.0.0.1;Port=55432;Username=tollgate;Database=postgres' (scripts/test.sh sets it)");

    public static string RedisConfiguration =>
        Environment.GetEnvironmentVariable("TOLLGATE_TEST_REDIS") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("TOLLGATE_TEST_REDIS is not set: export TOLLGATE_TEST_REDIS=127.0.0.1:56379 (scripts/test.sh sets it)");

    public static string NewName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Creates an empty database; returns its connection string.</summary>
    public static async Task<string> CreatePostgresDatabaseAsync(string name)
    {
        await using var admin = new NpgsqlConnection(PostgresAdmin);
        await admin.OpenAsync();
        await using var cmd = admin.CreateCommand();
        cmd.CommandText = $"CREATE DATABASE \"{name}\"";
        await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name, MaxPoolSize = 40, Timeout = 60 }.ToString();
    }

    public static async Task DropPostgresDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(PostgresAdmin);
        await admin.OpenAsync();
        await using var cmd = admin.CreateCommand();
        cmd.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
        await cmd.ExecuteNonQueryAsync();
    }
}
