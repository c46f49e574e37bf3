using System.Data.Common;
using Npgsql;
using Tollgate.Budgets.Relational;

namespace Tollgate.PostgreSql.Budgets;

/// <summary>
/// Budget definitions, counters, holds, alert markers and alert history in PostgreSQL, shared by every
/// gateway instance. A hold locks its counter rows (<c>SELECT … FOR UPDATE</c>, in key order), reclaims
/// their expired holds, checks and writes in one transaction; deadlocks and serialization failures are retried.
/// </summary>
public sealed class PostgresBudgetStore : RelationalBudgetStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresBudgetStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public static async Task<PostgresBudgetStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var store = new PostgresBudgetStore(connectionString);
        await store.EnsureSchemaAsync(cancellationToken);
        return store;
    }

    protected override string LockClause => " FOR UPDATE";

    protected override string SchemaSql => """
        CREATE TABLE IF NOT EXISTS budget_definitions (id TEXT PRIMARY KEY, definition TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS budget_counters (budget_id TEXT NOT NULL, window_key TEXT NOT NULL, spent BIGINT NOT NULL DEFAULT 0, held BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (budget_id, window_key));
        CREATE TABLE IF NOT EXISTS budget_holds (reservation_id TEXT NOT NULL, line INT NOT NULL, budget_id TEXT NOT NULL, window_key TEXT NOT NULL, amount BIGINT NOT NULL, expires_at BIGINT NOT NULL, state INT NOT NULL DEFAULT 0, expire_as_spent INT NOT NULL DEFAULT 0, PRIMARY KEY (reservation_id, line));
        CREATE INDEX IF NOT EXISTS ix_budget_holds_counter ON budget_holds (budget_id, window_key, state, expires_at);
        CREATE TABLE IF NOT EXISTS budget_marks (budget_id TEXT NOT NULL, window_key TEXT NOT NULL, marker TEXT NOT NULL, PRIMARY KEY (budget_id, window_key, marker));
        CREATE TABLE IF NOT EXISTS budget_emergency (id INT PRIMARY KEY CHECK (id = 1), budget_id TEXT NOT NULL, since BIGINT NOT NULL, reason TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS alert_history (id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, severity TEXT NOT NULL, kind TEXT NOT NULL, budget_id TEXT, window_key TEXT, message TEXT NOT NULL, details TEXT);
        CREATE INDEX IF NOT EXISTS ix_alert_history_at ON alert_history (at);
        """;

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    protected override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await ((NpgsqlConnection)connection).BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);

    protected override bool IsTransient(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation };

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
