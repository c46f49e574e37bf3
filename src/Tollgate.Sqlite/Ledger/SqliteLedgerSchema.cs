namespace Tollgate.Sqlite.Ledger;

/// <summary>The ledger's tables. Versioned in <c>tollgate_meta</c>; every statement is idempotent.</summary>
internal static class SqliteLedgerSchema
{
    /// <summary>2 added the daily rollup (filled from the hourly one when an older ledger is opened).</summary>
    public const int Version = 2;

    private const string Metrics = """
        requests INTEGER NOT NULL, input_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,
        cost_nanos INTEGER NOT NULL, input_cost_nanos INTEGER NOT NULL, output_cost_nanos INTEGER NOT NULL,
        errors INTEGER NOT NULL, estimated INTEGER NOT NULL, unpriced INTEGER NOT NULL, latency_ms_sum INTEGER NOT NULL
        """;

    public const string Create = $"""
        CREATE TABLE IF NOT EXISTS tollgate_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS ledger_records (
            request_id TEXT NOT NULL, attempt INTEGER NOT NULL, ts INTEGER NOT NULL,
            provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT, tenant TEXT, project TEXT, user_id TEXT,
            key_id TEXT, session_id TEXT, tags TEXT,
            input_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, usage_extra TEXT,
            currency TEXT NOT NULL, input_cost_nanos INTEGER NOT NULL, output_cost_nanos INTEGER NOT NULL,
            total_cost_nanos INTEGER NOT NULL, price_source TEXT, latency_ms INTEGER NOT NULL,
            success INTEGER NOT NULL, error_class TEXT, estimated INTEGER NOT NULL, unpriced INTEGER NOT NULL,
            PRIMARY KEY (request_id, attempt));
        CREATE INDEX IF NOT EXISTS ix_ledger_records_ts ON ledger_records (ts);
        CREATE INDEX IF NOT EXISTS ix_ledger_records_session ON ledger_records (session_id) WHERE session_id IS NOT NULL;
        CREATE TABLE IF NOT EXISTS ledger_rollup_hourly (
            hour INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL,
            tenant TEXT NOT NULL, project TEXT NOT NULL, user_id TEXT NOT NULL, key_id TEXT NOT NULL,
            {Metrics},
            PRIMARY KEY (hour, provider, model, api_flavor, tenant, project, user_id, key_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_model_hourly (
            hour INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL,
            {Metrics},
            PRIMARY KEY (hour, provider, model, api_flavor)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_daily (
            day INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL,
            tenant TEXT NOT NULL, project TEXT NOT NULL, user_id TEXT NOT NULL, key_id TEXT NOT NULL,
            {Metrics},
            PRIMARY KEY (day, provider, model, api_flavor, tenant, project, user_id, key_id)) WITHOUT ROWID;
        """;

    /// <summary>Upgrades a version-1 ledger (the daily table was just created empty by <see cref="Create"/>).</summary>
    public static readonly string BackfillDaily = $"""
        INSERT INTO ledger_rollup_daily (day, provider, model, api_flavor, tenant, project, user_id, key_id, {Tollgate.Ledger.LedgerColumns.MetricColumns})
        SELECT hour - (((hour % 86400) + 86400) % 86400), provider, model, api_flavor, tenant, project, user_id, key_id,
            {string.Join(", ", Tollgate.Ledger.LedgerColumns.Metrics.Select(m => $"SUM({m})"))}
        FROM ledger_rollup_hourly GROUP BY 1, provider, model, api_flavor, tenant, project, user_id, key_id
        """;

    public const string RecordColumns =
        "request_id, attempt, ts, provider, model, api_flavor, tenant, project, user_id, key_id, session_id, tags, " +
        "input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, usage_extra, currency, " +
        "input_cost_nanos, output_cost_nanos, total_cost_nanos, price_source, latency_ms, success, error_class, estimated, unpriced";
}
