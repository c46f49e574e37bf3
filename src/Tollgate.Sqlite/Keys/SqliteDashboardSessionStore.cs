using Microsoft.Data.Sqlite;
using Tollgate.Keys;

namespace Tollgate.Sqlite.Keys;

/// <summary>
/// The dashboard's sessions in the SQLite file of the keys (table <c>tollgate_dashboard_sessions</c>), so every gateway
/// on the file accepts them and a restart keeps them; only the SHA-256 of each cookie token is stored, with the key's id.
/// </summary>
public sealed class SqliteDashboardSessionStore(string connectionString, TimeProvider? time = null) : IDashboardSessionStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>A store on the SQLite file at <paramref name="path"/> (its folder is created when missing).</summary>
    public static SqliteDashboardSessionStore ForFile(string path, TimeProvider? time = null)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        return new SqliteDashboardSessionStore(new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString(), time);
    }

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS tollgate_dashboard_sessions (
                token_hash TEXT PRIMARY KEY,
                key_id TEXT NOT NULL,
                csrf_token TEXT NOT NULL,
                expires_at_ms INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_tollgate_dashboard_sessions_expires ON tollgate_dashboard_sessions (expires_at_ms);
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask SaveAsync(DashboardSessionRecord session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO tollgate_dashboard_sessions (token_hash, key_id, csrf_token, expires_at_ms) VALUES ($hash, $key, $csrf, $expires)";
        command.Parameters.AddWithValue("$hash", session.TokenHash);
        command.Parameters.AddWithValue("$key", session.KeyId);
        command.Parameters.AddWithValue("$csrf", session.CsrfToken);
        command.Parameters.AddWithValue("$expires", session.ExpiresAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<DashboardSessionRecord?> FindAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_id, csrf_token, expires_at_ms FROM tollgate_dashboard_sessions WHERE token_hash = $hash AND expires_at_ms > $now";
        command.Parameters.AddWithValue("$hash", tokenHash);
        command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new DashboardSessionRecord(tokenHash, reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)))
            : null;
    }

    public async ValueTask<bool> DeleteAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM tollgate_dashboard_sessions WHERE token_hash = $hash";
        command.Parameters.AddWithValue("$hash", tokenHash);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM tollgate_dashboard_sessions WHERE expires_at_ms <= $now";
        command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
