using Microsoft.Data.Sqlite;
using Tollgate.Routing;

namespace Tollgate.Sqlite.Providers;

/// <summary>
/// Provider switches, preferences and call statistics in an SQLite file (tables <c>tollgate_provider_*</c>), so the
/// CLI and <c>tollgate serve</c> on the same file see the same state. Counters are incremented in SQL (upserts).
/// </summary>
public sealed class SqliteProviderStateStore(string connectionString) : IProviderStateStore
{
    /// <summary>A store on the SQLite file at <paramref name="path"/> (its folder is created when missing).</summary>
    public static SqliteProviderStateStore ForFile(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        return new SqliteProviderStateStore(new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString());
    }

    /// <summary>Creates the tables when missing (idempotent).</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS tollgate_provider_switches (
                provider TEXT NOT NULL,
                model TEXT NOT NULL,
                enabled INTEGER NOT NULL,
                PRIMARY KEY (provider, model));
            CREATE TABLE IF NOT EXISTS tollgate_provider_preferences (
                generation_type TEXT PRIMARY KEY,
                provider TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS tollgate_provider_stats (
                provider TEXT NOT NULL,
                model TEXT NOT NULL,
                requests INTEGER NOT NULL,
                successes INTEGER NOT NULL,
                latency_ms INTEGER NOT NULL,
                cost_nanos INTEGER NOT NULL,
                first_at_ms INTEGER NOT NULL,
                last_at_ms INTEGER NOT NULL,
                PRIMARY KEY (provider, model));
            CREATE TABLE IF NOT EXISTS tollgate_provider_latency (
                provider TEXT NOT NULL,
                model TEXT NOT NULL,
                bucket INTEGER NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (provider, model, bucket));
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<ProviderState> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var providers = new Dictionary<string, bool>(StringComparer.Ordinal);
        var models = new Dictionary<ProviderModelKey, bool>();
        var preferred = new Dictionary<GenerationType, string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT provider, model, enabled FROM tollgate_provider_switches";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var model = reader.GetString(1);
                if (model.Length == 0)
                {
                    providers[reader.GetString(0)] = reader.GetInt64(2) != 0;
                }
                else
                {
                    models[new ProviderModelKey(reader.GetString(0), model)] = reader.GetInt64(2) != 0;
                }
            }
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT generation_type, provider FROM tollgate_provider_preferences";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (GenerationTypes.TryParse(reader.GetString(0), out var type))
                {
                    preferred[type] = reader.GetString(1);
                }
            }
        }

        return new ProviderState { Providers = providers, Models = models, Preferred = preferred };
    }

    public ValueTask SetProviderEnabledAsync(string provider, bool enabled, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        return SetSwitchAsync(provider.ToLowerInvariant(), "", enabled, cancellationToken);
    }

    public ValueTask SetModelEnabledAsync(string provider, string model, bool enabled, CancellationToken cancellationToken = default)
    {
        var key = new ProviderModelKey(provider, model);
        return SetSwitchAsync(key.Provider, key.Model.ToLowerInvariant(), enabled, cancellationToken);
    }

    public async ValueTask SetPreferredAsync(GenerationType type, string? provider, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        if (string.IsNullOrWhiteSpace(provider))
        {
            command.CommandText = "DELETE FROM tollgate_provider_preferences WHERE generation_type = $type";
        }
        else
        {
            command.CommandText = """
                INSERT INTO tollgate_provider_preferences (generation_type, provider) VALUES ($type, $provider)
                ON CONFLICT (generation_type) DO UPDATE SET provider = excluded.provider
                """;
            command.Parameters.AddWithValue("$provider", provider.ToLowerInvariant());
        }

        command.Parameters.AddWithValue("$type", type.ToWireName());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask RecordCallAsync(ProviderCallRecord call, CancellationToken cancellationToken = default)
    {
        var key = new ProviderModelKey(call.Provider, call.Model);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO tollgate_provider_stats (provider, model, requests, successes, latency_ms, cost_nanos, first_at_ms, last_at_ms)
                VALUES ($provider, $model, 1, $success, $latency, $cost, $at, $at)
                ON CONFLICT (provider, model) DO UPDATE SET
                    requests = requests + 1,
                    successes = successes + excluded.successes,
                    latency_ms = latency_ms + excluded.latency_ms,
                    cost_nanos = cost_nanos + excluded.cost_nanos,
                    first_at_ms = min(first_at_ms, excluded.first_at_ms),
                    last_at_ms = max(last_at_ms, excluded.last_at_ms);
                INSERT INTO tollgate_provider_latency (provider, model, bucket, count) VALUES ($provider, $model, $bucket, 1)
                ON CONFLICT (provider, model, bucket) DO UPDATE SET count = count + 1;
                """;
            command.Parameters.AddWithValue("$provider", key.Provider);
            command.Parameters.AddWithValue("$model", key.Model.ToLowerInvariant());
            command.Parameters.AddWithValue("$success", call.Success ? 1 : 0);
            command.Parameters.AddWithValue("$latency", (long)call.Latency.TotalMilliseconds);
            command.Parameters.AddWithValue("$cost", call.CostNanos);
            command.Parameters.AddWithValue("$at", call.Timestamp.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$bucket", LatencyHistogram.BucketOf(call.Latency));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask<ProviderStats> GetStatsAsync(string provider, string? model = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        var name = provider.ToLowerInvariant();
        var filter = model is null ? "provider = $provider" : "provider = $provider AND model = $model";
        await using var connection = await OpenAsync(cancellationToken);
        var buckets = new long[LatencyHistogram.BucketCount];
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT bucket, SUM(count) FROM tollgate_provider_latency WHERE {filter} GROUP BY bucket";
            Bind(command, name, model);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var bucket = reader.GetInt32(0);
                if (bucket >= 0 && bucket < buckets.Length)
                {
                    buckets[bucket] = reader.GetInt64(1);
                }
            }
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT COUNT(*), SUM(requests), SUM(successes), SUM(latency_ms), SUM(cost_nanos), MIN(first_at_ms), MAX(last_at_ms) FROM tollgate_provider_stats WHERE {filter}";
            Bind(command, name, model);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.GetInt64(0) == 0)
            {
                return new ProviderStats { Provider = name, Model = model, LatencyBuckets = buckets };
            }

            return new ProviderStats
            {
                Provider = name,
                Model = model,
                Requests = reader.GetInt64(1),
                Successes = reader.GetInt64(2),
                TotalLatencyMilliseconds = reader.GetInt64(3),
                CostNanos = reader.GetInt64(4),
                FirstAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                LastAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                LatencyBuckets = buckets,
            };
        }
    }

    private static void Bind(SqliteCommand command, string provider, string? model)
    {
        command.Parameters.AddWithValue("$provider", provider);
        if (model is not null)
        {
            command.Parameters.AddWithValue("$model", model.ToLowerInvariant());
        }
    }

    private async ValueTask SetSwitchAsync(string provider, string model, bool enabled, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO tollgate_provider_switches (provider, model, enabled) VALUES ($provider, $model, $enabled)
            ON CONFLICT (provider, model) DO UPDATE SET enabled = excluded.enabled
            """;
        command.Parameters.AddWithValue("$provider", provider);
        command.Parameters.AddWithValue("$model", model);
        command.Parameters.AddWithValue("$enabled", enabled ? 1 : 0);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 5000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }
}
