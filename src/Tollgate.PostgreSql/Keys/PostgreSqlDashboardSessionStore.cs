using Npgsql;
using Tollgate.Keys;

namespace Tollgate.PostgreSql.Keys;

/// <summary>
/// The dashboard's sessions in PostgreSQL beside the keys (table <c>tollgate_dashboard_sessions</c>), shared by every
/// gateway instance and kept across restarts; only the SHA-256 of each cookie token is stored, with the key's id.
/// </summary>
public sealed class PostgreSqlDashboardSessionStore(NpgsqlDataSource dataSource, TimeProvider? time = null) : IDashboardSessionStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS tollgate_dashboard_sessions (
                token_hash TEXT PRIMARY KEY,
                key_id TEXT NOT NULL,
                csrf_token TEXT NOT NULL,
                expires_at TIMESTAMPTZ NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_tollgate_dashboard_sessions_expires ON tollgate_dashboard_sessions (expires_at);
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask SaveAsync(DashboardSessionRecord session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO tollgate_dashboard_sessions (token_hash, key_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (token_hash) DO UPDATE SET key_id = EXCLUDED.key_id, csrf_token = EXCLUDED.csrf_token, expires_at = EXCLUDED.expires_at
            """);
        command.Parameters.Add(new() { Value = session.TokenHash });
        command.Parameters.Add(new() { Value = session.KeyId });
        command.Parameters.Add(new() { Value = session.CsrfToken });
        command.Parameters.Add(new() { Value = session.ExpiresAt.ToUniversalTime() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<DashboardSessionRecord?> FindAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT key_id, csrf_token, expires_at FROM tollgate_dashboard_sessions WHERE token_hash = $1 AND expires_at > $2");
        command.Parameters.Add(new() { Value = tokenHash });
        command.Parameters.Add(new() { Value = _time.GetUtcNow().ToUniversalTime() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new DashboardSessionRecord(tokenHash, reader.GetString(0), reader.GetString(1), new DateTimeOffset(reader.GetFieldValue<DateTime>(2), TimeSpan.Zero))
            : null;
    }

    public async ValueTask<bool> DeleteAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM tollgate_dashboard_sessions WHERE token_hash = $1");
        command.Parameters.Add(new() { Value = tokenHash });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM tollgate_dashboard_sessions WHERE expires_at <= $1");
        command.Parameters.Add(new() { Value = _time.GetUtcNow().ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
