using Npgsql;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Benchmarks.Ledger;

/// <summary>Realistic generated records (time-ordered; users belong to projects and tenants) and bench databases.</summary>
internal static class LedgerBenchData
{
    public static readonly DateTimeOffset Start = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly (string Provider, string Model)[] Models =
    [
        ("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("openai", "o3"), ("anthropic", "claude-sonnet-4"),
        ("anthropic", "claude-haiku-4"), ("google", "gemini-2.5-pro"), ("google", "gemini-2.5-flash"), ("mistral", "mistral-large"),
    ];

    /// <summary>Records <paramref name="first"/>.. spread evenly over <paramref name="days"/> days for <paramref name="total"/> records.</summary>
    public static List<UsageRecord> Generate(string run, long first, int count, long total, int days = 30)
    {
        var random = new Random((int)(first ^ (first >> 32)) + 17);
        var span = TimeSpan.FromDays(days).Ticks;
        var list = new List<UsageRecord>(count);
        for (var i = first; i < first + count; i++)
        {
            var (provider, model) = Models[random.Next(Models.Length)];
            var user = random.Next(200);
            var input = random.Next(1, 20_000);
            var output = random.Next(1, 4_000);
            var inputCost = random.Next(0, 50_000_000);
            var outputCost = random.Next(0, 80_000_000);
            list.Add(new UsageRecord
            {
                RequestId = $"{run}-{i:D10}",
                Timestamp = Start.AddTicks(span / total * i),
                Provider = provider,
                Model = model,
                ApiFlavor = "chat",
                Tenant = $"tenant-{user % 5}",
                Project = $"project-{user % 20}",
                User = $"user-{user}",
                KeyId = $"key-{user}",
                Usage = new Usage { InputTokens = input, CacheReadTokens = random.Next(0, input), OutputTokens = output, ReasoningTokens = random.Next(0, output) },
                InputCostNanos = inputCost,
                OutputCostNanos = outputCost,
                TotalCostNanos = inputCost + outputCost,
                LatencyMs = random.Next(50, 5000),
                Success = random.Next(50) != 0,
            });
        }

        return list;
    }

    public static IEnumerable<string> Stores =>
        (Environment.GetEnvironmentVariable("TOLLGATE_BENCH_STORES") ?? "sqlite,postgres").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string PostgresAdmin =>
        Environment.GetEnvironmentVariable("TOLLGATE_BENCH_POSTGRES") ?? Environment.GetEnvironmentVariable("TOLLGATE_TEST_POSTGRES")
        ?? throw new InvalidOperationException("set TOLLGATE_BENCH_POSTGRES (or TOLLGATE_TEST_POSTGRES) to a PostgreSQL admin connection string");

    /// <summary>Creates the database when missing and returns a connection string for it.</summary>
    public static string PostgresDatabase(string name, bool recreate)
    {
        using var connection = new NpgsqlConnection(PostgresAdmin);
        connection.Open();
        using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", connection))
        {
            exists.Parameters.AddWithValue("n", name);
            var found = exists.ExecuteScalar() is not null;
            if (found && recreate)
            {
                using var drop = new NpgsqlCommand($"DROP DATABASE {name} WITH (FORCE)", connection);
                drop.ExecuteNonQuery();
                found = false;
            }

            if (!found)
            {
                using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                create.ExecuteNonQuery();
            }
        }

        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString;
    }

    public static void DropPostgresDatabase(string name)
    {
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(PostgresAdmin);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }
}
