using Npgsql;
using Tollgate.Keys;

namespace Tollgate.PostgreSql.Keys;

/// <summary>Virtual keys in PostgreSQL (table <c>tollgate_keys</c>), shared by several gateway instances; only key hashes are stored.</summary>
public sealed class PostgreSqlKeyStore(NpgsqlDataSource dataSource) : IKeyStore
{
    private const string Columns = "id, tenant, project, user_id, name, is_admin, rpm, tpm, created_at, revoked_at";

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS tollgate_keys (
                id TEXT PRIMARY KEY,
                key_hash TEXT NOT NULL UNIQUE,
                tenant TEXT NOT NULL,
                project TEXT NULL,
                user_id TEXT NULL,
                name TEXT NULL,
                is_admin BOOLEAN NOT NULL DEFAULT FALSE,
                rpm BIGINT NULL,
                tpm BIGINT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                revoked_at TIMESTAMPTZ NULL);
            CREATE INDEX IF NOT EXISTS ix_tollgate_keys_tenant ON tollgate_keys (tenant);
            CREATE INDEX IF NOT EXISTS ix_tollgate_keys_revoked ON tollgate_keys (revoked_at) WHERE revoked_at IS NOT NULL;
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> CreateAsync(VirtualKey key, KeyHash hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO tollgate_keys (key_hash, {Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new() { Value = hash.ToHex() });
        command.Parameters.Add(new() { Value = key.Id });
        command.Parameters.Add(new() { Value = key.Tenant });
        command.Parameters.Add(new() { Value = (object?)key.Project ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)key.User ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)key.Name ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = key.IsAdmin });
        command.Parameters.Add(new() { Value = (object?)key.RequestsPerMinute ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = (object?)key.TokensPerMinute ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = key.CreatedAt.ToUniversalTime() });
        command.Parameters.Add(new() { Value = key.RevokedAt is { } r ? r.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<VirtualKey?> FindByHashAsync(KeyHash hash, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM tollgate_keys WHERE key_hash = $1");
        command.Parameters.Add(new() { Value = hash.ToHex() });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<VirtualKey?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM tollgate_keys WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<VirtualKey>> ListAsync(string? tenant = null, bool includeAdmin = false, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM tollgate_keys WHERE ($1::text IS NULL OR tenant = $1) AND ($2 OR NOT is_admin) ORDER BY created_at, id");
        command.Parameters.Add(new() { Value = (object?)tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = includeAdmin });
        var keys = new List<VirtualKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(Read(reader));
        }

        return keys;
    }

    public async Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("UPDATE tollgate_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = at.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<KeyRevocationStamp> GetRevocationStampAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT COUNT(*), COALESCE((EXTRACT(EPOCH FROM MAX(revoked_at)) * 1000)::bigint, 0) FROM tollgate_keys WHERE revoked_at IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new KeyRevocationStamp(reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<VirtualKey?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static VirtualKey Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Tenant = reader.GetString(1),
        Project = reader.IsDBNull(2) ? null : reader.GetString(2),
        User = reader.IsDBNull(3) ? null : reader.GetString(3),
        Name = reader.IsDBNull(4) ? null : reader.GetString(4),
        IsAdmin = reader.GetBoolean(5),
        RequestsPerMinute = reader.IsDBNull(6) ? null : reader.GetInt64(6),
        TokensPerMinute = reader.IsDBNull(7) ? null : reader.GetInt64(7),
        CreatedAt = new DateTimeOffset(reader.GetFieldValue<DateTime>(8), TimeSpan.Zero),
        RevokedAt = reader.IsDBNull(9) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(9), TimeSpan.Zero),
    };
}
