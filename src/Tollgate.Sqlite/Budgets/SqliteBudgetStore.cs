using System.Data.Common;
using Microsoft.Data.Sqlite;
using Tollgate.Budgets.Relational;

namespace Tollgate.Sqlite.Budgets;

/// <summary>
/// Budget definitions, counters, holds, alert markers and alert history in an embedded SQLite file. Every
/// hold/settle runs in <c>BEGIN IMMEDIATE</c> (one writer at a time, also across processes sharing the file).
/// </summary>
public sealed class SqliteBudgetStore : RelationalBudgetStore
{
    private readonly string _connectionString;

    /// <param name="path">Database file (created with its directory when missing).</param>
    public SqliteBudgetStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 60 }.ToString();
    }

    /// <summary>Opens the store and creates its tables when missing.</summary>
    public static async Task<SqliteBudgetStore> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        var store = new SqliteBudgetStore(path);
        await store.EnsureSchemaAsync(cancellationToken);
        return store;
    }

    protected override string LockClause => "";

    protected override string SchemaSql => """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS budget_definitions (id TEXT PRIMARY KEY, definition TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS budget_counters (budget_id TEXT NOT NULL, window_key TEXT NOT NULL, spent INTEGER NOT NULL DEFAULT 0, held INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (budget_id, window_key));
        CREATE TABLE IF NOT EXISTS budget_holds (reservation_id TEXT NOT NULL, line INTEGER NOT NULL, budget_id TEXT NOT NULL, window_key TEXT NOT NULL, amount INTEGER NOT NULL, expires_at INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0, expire_as_spent INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (reservation_id, line));
        CREATE INDEX IF NOT EXISTS ix_budget_holds_counter ON budget_holds (budget_id, window_key, state, expires_at);
        CREATE TABLE IF NOT EXISTS budget_marks (budget_id TEXT NOT NULL, window_key TEXT NOT NULL, marker TEXT NOT NULL, PRIMARY KEY (budget_id, window_key, marker));
        CREATE TABLE IF NOT EXISTS budget_emergency (id INTEGER PRIMARY KEY CHECK (id = 1), budget_id TEXT NOT NULL, since INTEGER NOT NULL, reason TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS alert_history (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, severity TEXT NOT NULL, kind TEXT NOT NULL, budget_id TEXT, window_key TEXT, message TEXT NOT NULL, details TEXT);
        CREATE INDEX IF NOT EXISTS ix_alert_history_at ON alert_history (at);
        """;

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA busy_timeout = 60000; PRAGMA synchronous = NORMAL;";
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    protected override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false)); // BEGIN IMMEDIATE

    protected override bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 5 or 6 }; // SQLITE_BUSY, SQLITE_LOCKED
}
