using Npgsql;
using Tollgate.Routing;

namespace Tollgate.PostgreSql.Providers;

/// <summary>
/// Provider switches, preferences and call statistics in PostgreSQL (tables <c>tollgate_provider_*</c>), shared by
/// every gateway instance and the CLI. Counters are incremented atomically with upserts.
/// </summary>
public sealed class PostgreSqlProviderStateStore(NpgsqlDataSource dataSource) : IProviderStateStore
{
    /// <summary>Creates the tables when missing (idempotent).</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS tollgate_provider_switches (
                provider TEXT NOT NULL,
                model TEXT NOT NULL,
                enabled BOOLEAN NOT NULL,
                PRIMARY KEY (provider, model));
            CREATE TABLE IF NOT EXISTS tollgate_provider_preferences (
                generation_type TEXT PRIMARY KEY,
                provider TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS tollgate_provider_stats (
                provider TEXT NOT NULL,
                model TEXT NOT NULL,
                requests BIGINT NOT NULL,
                successes BIGINT NOT NULL,
                latency_ms BIGINT NOT NULL,
                cost_nanos BIGINT NOT NULL,
                first_at_ms BIGINT NOT NULL,
                last_at_ms BIGINT NOT NULL,
                PRIMARY KEY (provider, model));
            CREATE TABLE IF NOT EXISTS tollgate_provider_latency (
                provider TEXT NOT NULL,
                model TEXT NOT NULL,
                bucket INT NOT NULL,
                count BIGINT NOT NULL,
                PRIMARY KEY (provider, model, bucket));
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<ProviderState> LoadAsync(CancellationToken cancellationToken = default)
    {
        var providers = new Dictionary<string, bool>(StringComparer.Ordinal);
        var models = new Dictionary<ProviderModelKey, bool>();
        var preferred = new Dictionary<GenerationType, string>();
        await using (var command = dataSource.CreateCommand("SELECT provider, model, enabled FROM tollgate_provider_switches"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var model = reader.GetString(1);
                if (model.Length == 0)
                {
                    providers[reader.GetString(0)] = reader.GetBoolean(2);
                }
                else
                {
                    models[new ProviderModelKey(reader.GetString(0), model)] = reader.GetBoolean(2);
                }
            }
        }

        await using (var command = dataSource.CreateCommand("SELECT generation_type, provider FROM tollgate_provider_preferences"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
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
        if (string.IsNullOrWhiteSpace(provider))
        {
            await using var delete = dataSource.CreateCommand("DELETE FROM tollgate_provider_preferences WHERE generation_type = $1");
            delete.Parameters.Add(new() { Value = type.ToWireName() });
            await delete.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        await using var command = dataSource.CreateCommand("""
            INSERT INTO tollgate_provider_preferences (generation_type, provider) VALUES ($1, $2)
            ON CONFLICT (generation_type) DO UPDATE SET provider = excluded.provider
            """);
        command.Parameters.Add(new() { Value = type.ToWireName() });
        command.Parameters.Add(new() { Value = provider.ToLowerInvariant() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask RecordCallAsync(ProviderCallRecord call, CancellationToken cancellationToken = default)
    {
        var key = new ProviderModelKey(call.Provider, call.Model);
        await using var batch = dataSource.CreateBatch();
        var stats = new NpgsqlBatchCommand("""
            INSERT INTO tollgate_provider_stats AS s (provider, model, requests, successes, latency_ms, cost_nanos, first_at_ms, last_at_ms)
            VALUES ($1, $2, 1, $3, $4, $5, $6, $6)
            ON CONFLICT (provider, model) DO UPDATE SET
                requests = s.requests + 1,
                successes = s.successes + excluded.successes,
                latency_ms = s.latency_ms + excluded.latency_ms,
                cost_nanos = s.cost_nanos + excluded.cost_nanos,
                first_at_ms = LEAST(s.first_at_ms, excluded.first_at_ms),
                last_at_ms = GREATEST(s.last_at_ms, excluded.last_at_ms)
            """);
        stats.Parameters.Add(new() { Value = key.Provider });
        stats.Parameters.Add(new() { Value = key.Model.ToLowerInvariant() });
        stats.Parameters.Add(new() { Value = call.Success ? 1L : 0L });
        stats.Parameters.Add(new() { Value = (long)call.Latency.TotalMilliseconds });
        stats.Parameters.Add(new() { Value = call.CostNanos });
        stats.Parameters.Add(new() { Value = call.Timestamp.ToUnixTimeMilliseconds() });
        var latency = new NpgsqlBatchCommand("""
            INSERT INTO tollgate_provider_latency AS l (provider, model, bucket, count) VALUES ($1, $2, $3, 1)
            ON CONFLICT (provider, model, bucket) DO UPDATE SET count = l.count + 1
            """);
        latency.Parameters.Add(new() { Value = key.Provider });
        latency.Parameters.Add(new() { Value = key.Model.ToLowerInvariant() });
        latency.Parameters.Add(new() { Value = LatencyHistogram.BucketOf(call.Latency) });
        batch.BatchCommands.Add(stats);
        batch.BatchCommands.Add(latency);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<ProviderStats> GetStatsAsync(string provider, string? model = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        var name = provider.ToLowerInvariant();
        var filter = model is null ? "provider = $1" : "provider = $1 AND model = $2";
        var buckets = new long[LatencyHistogram.BucketCount];
        await using (var command = dataSource.CreateCommand($"SELECT bucket, SUM(count)::BIGINT FROM tollgate_provider_latency WHERE {filter} GROUP BY bucket"))
        {
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

        await using (var command = dataSource.CreateCommand(
            $"SELECT COUNT(*), SUM(requests)::BIGINT, SUM(successes)::BIGINT, SUM(latency_ms)::BIGINT, SUM(cost_nanos)::BIGINT, MIN(first_at_ms), MAX(last_at_ms) FROM tollgate_provider_stats WHERE {filter}"))
        {
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

    private static void Bind(NpgsqlCommand command, string provider, string? model)
    {
        command.Parameters.Add(new() { Value = provider });
        if (model is not null)
        {
            command.Parameters.Add(new() { Value = model.ToLowerInvariant() });
        }
    }

    private async ValueTask SetSwitchAsync(string provider, string model, bool enabled, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO tollgate_provider_switches (provider, model, enabled) VALUES ($1, $2, $3)
            ON CONFLICT (provider, model) DO UPDATE SET enabled = excluded.enabled
            """);
        command.Parameters.Add(new() { Value = provider });
        command.Parameters.Add(new() { Value = model });
        command.Parameters.Add(new() { Value = enabled });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
