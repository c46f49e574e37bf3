using System.Data.Common;
using Microsoft.Data.Sqlite;
using Tollgate.Audit.Relational;

namespace Tollgate.Sqlite.Audit;

/// <summary>The audit log in the SQLite store file (table <c>tollgate_audit</c>, beside keys, budgets and provider state).</summary>
public sealed class SqliteAuditLog : RelationalAuditLog
{
    private readonly string _connectionString;

    /// <param name="path">Database file (created with its directory when missing).</param>
    public SqliteAuditLog(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 60 }.ToString();
    }

    protected override string SchemaSql => """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS tollgate_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at_ms INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            before_json TEXT,
            after_json TEXT);
        CREATE INDEX IF NOT EXISTS ix_tollgate_audit_at ON tollgate_audit (at_ms);
        """;

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 60000;";
        await command.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }
}
