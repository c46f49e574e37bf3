using Microsoft.Data.Sqlite;
using Tollgate.Keys;

namespace Tollgate.Sqlite.Keys;

/// <summary>Virtual keys in an SQLite file (table <c>tollgate_keys</c>); only key hashes are stored.</summary>
public sealed class SqliteKeyStore(string connectionString) : IKeyStore
{
    private const string Columns = "id, tenant, project, user_id, name, is_admin, rpm, tpm, created_at_ms, revoked_at_ms";

    /// <summary>A store on the SQLite file at <paramref name="path"/> (its folder is created when missing).</summary>
    public static SqliteKeyStore ForFile(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        return new SqliteKeyStore(new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString());
    }

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS tollgate_keys (
                id TEXT PRIMARY KEY,
                key_hash TEXT NOT NULL UNIQUE,
                tenant TEXT NOT NULL,
                project TEXT NULL,
                user_id TEXT NULL,
                name TEXT NULL,
                is_admin INTEGER NOT NULL DEFAULT 0,
                rpm INTEGER NULL,
                tpm INTEGER NULL,
                created_at_ms INTEGER NOT NULL,
                revoked_at_ms INTEGER NULL);
            CREATE INDEX IF NOT EXISTS ix_tollgate_keys_tenant ON tollgate_keys (tenant);
            CREATE INDEX IF NOT EXISTS ix_tollgate_keys_revoked ON tollgate_keys (revoked_at_ms) WHERE revoked_at_ms IS NOT NULL;
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> CreateAsync(VirtualKey key, KeyHash hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT OR IGNORE INTO tollgate_keys (key_hash, {Columns}) VALUES ($hash, $id, $tenant, $project, $user, $name, $admin, $rpm, $tpm, $created, $revoked)";
        command.Parameters.AddWithValue("$hash", hash.ToHex());
        command.Parameters.AddWithValue("$id", key.Id);
        command.Parameters.AddWithValue("$tenant", key.Tenant);
        command.Parameters.AddWithValue("$project", (object?)key.Project ?? DBNull.Value);
        command.Parameters.AddWithValue("$user", (object?)key.User ?? DBNull.Value);
        command.Parameters.AddWithValue("$name", (object?)key.Name ?? DBNull.Value);
        command.Parameters.AddWithValue("$admin", key.IsAdmin ? 1 : 0);
        command.Parameters.AddWithValue("$rpm", (object?)key.RequestsPerMinute ?? DBNull.Value);
        command.Parameters.AddWithValue("$tpm", (object?)key.TokensPerMinute ?? DBNull.Value);
        command.Parameters.AddWithValue("$created", key.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$revoked", key.RevokedAt is { } r ? r.ToUnixTimeMilliseconds() : DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<VirtualKey?> FindByHashAsync(KeyHash hash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM tollgate_keys WHERE key_hash = $hash";
        command.Parameters.AddWithValue("$hash", hash.ToHex());
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<VirtualKey?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM tollgate_keys WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<VirtualKey>> ListAsync(string? tenant = null, bool includeAdmin = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM tollgate_keys WHERE ($tenant IS NULL OR tenant = $tenant) AND ($admin = 1 OR is_admin = 0) ORDER BY created_at_ms, id";
        command.Parameters.AddWithValue("$tenant", (object?)tenant ?? DBNull.Value);
        command.Parameters.AddWithValue("$admin", includeAdmin ? 1 : 0);
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
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE tollgate_keys SET revoked_at_ms = COALESCE(revoked_at_ms, $at) WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<KeyRevocationStamp> GetRevocationStampAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COALESCE(MAX(revoked_at_ms), 0) FROM tollgate_keys WHERE revoked_at_ms IS NOT NULL";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new KeyRevocationStamp(reader.GetInt64(0), reader.GetInt64(1));
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<VirtualKey?> ReadOneAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static VirtualKey Read(SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Tenant = reader.GetString(1),
        Project = reader.IsDBNull(2) ? null : reader.GetString(2),
        User = reader.IsDBNull(3) ? null : reader.GetString(3),
        Name = reader.IsDBNull(4) ? null : reader.GetString(4),
        IsAdmin = reader.GetInt64(5) != 0,
        RequestsPerMinute = reader.IsDBNull(6) ? null : reader.GetInt64(6),
        TokensPerMinute = reader.IsDBNull(7) ? null : reader.GetInt64(7),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
        RevokedAt = reader.IsDBNull(9) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
    };
}
