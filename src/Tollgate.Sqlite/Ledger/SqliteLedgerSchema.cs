namespace Tollgate.Sqlite.Ledger;

/// <summary>The ledger's tables. Versioned in <c>tollgate_meta</c>; every statement is idempotent.</summary>
internal static class SqliteLedgerSchema
{
    /// <summary>
    /// 2 added the daily rollup; 3 keys the wide rollups by a dimension-set id (<c>ledger_dims</c>) instead of seven
    /// text columns; 4 added the quarter-hour rollup (exact reports in zones whose offset is not a whole hour); 5 the
    /// request and prefix fingerprints; 6 the narrow quarter-hour rollup (provider, model, api flavour, tenant); 7 the
    /// narrow daily one; 8 the tag rollups (quarter hour and day × tag key, tag value); 9 keys them by (tag key, tag
    /// value, time, provider, model, api flavour, tenant); 10 the latency rollups (quarter hour and day × provider, model,
    /// api flavour, tenant: a latency histogram and the calls using a cache); 11 the wide latency rollups (quarter hour
    /// and day × dimension set, as the wide rollups are keyed); 12 the tag latency rollups (quarter hour and day × tag key,
    /// tag value, provider, model, api flavour, tenant, as the tag rollups are keyed). Older ledgers are upgraded when opened
    /// (<see cref="SetAsideOldRollups"/>, <see cref="FillFromOldRollups"/>, <see cref="FillQuarters"/>,
    /// <see cref="AddFingerprints"/>, <see cref="FillNarrowQuarters"/>, <see cref="FillNarrowDaily"/>,
    /// <see cref="DropOldTagRollups"/>, <see cref="FillTags"/>; the latency rollups by <c>SqliteLedgerStore.FillLatencyAsync</c>).
    /// </summary>
    public const int Version = 12;

    /// <summary>The version that added the wide latency rollups (before it, the narrow and wide latency rollups are filled on opening).</summary>
    public const int WideLatencyVersion = 11;

    /// <summary>The version that added the tag latency rollups (before it, they are filled on opening).</summary>
    public const int TagLatencyVersion = 12;

    /// <summary>
    /// Adds two encoded <see cref="Tollgate.Ledger.LatencyHistogram"/>s: registered on the write connection, which alone
    /// upserts the latency rollups.
    /// </summary>
    public const string LatencyAdd = "tollgate_latency_add";

    private const string Metrics = """
        requests INTEGER NOT NULL, input_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,
        cost_nanos INTEGER NOT NULL, input_cost_nanos INTEGER NOT NULL, output_cost_nanos INTEGER NOT NULL,
        errors INTEGER NOT NULL, estimated INTEGER NOT NULL, unpriced INTEGER NOT NULL, latency_ms_sum INTEGER NOT NULL
        """;

    /// <summary>A flag column as a true test (flags are integers).</summary>
    public static string Flag(string column) => column + " <> 0";

    /// <summary>The irregular records' condition in this dialect, verbatim as in their partial index (so a query carrying it can use it).</summary>
    public static readonly string Irregular = Tollgate.Ledger.LedgerUsageOutlier.IrregularSql(Flag);

    /// <summary>
    /// The partial index on the records what-if cannot take from the rollups' sums: a query for them reads only them
    /// (a ledger written before it gets it on first open, one pass over the records).
    /// </summary>
    public static readonly string CreateIrregularIndex = $"CREATE INDEX IF NOT EXISTS ix_ledger_records_irregular ON ledger_records (ts) WHERE {Irregular};";

    public const string CreateMeta = "CREATE TABLE IF NOT EXISTS tollgate_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

    public const string Create = $"""
        {CreateMeta}
        CREATE TABLE IF NOT EXISTS ledger_records (
            request_id TEXT NOT NULL, attempt INTEGER NOT NULL, ts INTEGER NOT NULL,
            provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT, tenant TEXT, project TEXT, user_id TEXT,
            key_id TEXT, session_id TEXT, tags TEXT,
            input_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, usage_extra TEXT,
            currency TEXT NOT NULL, input_cost_nanos INTEGER NOT NULL, output_cost_nanos INTEGER NOT NULL,
            total_cost_nanos INTEGER NOT NULL, price_source TEXT, latency_ms INTEGER NOT NULL,
            success INTEGER NOT NULL, error_class TEXT, estimated INTEGER NOT NULL, unpriced INTEGER NOT NULL,
            request_fingerprint TEXT, prefix_fingerprint TEXT, prefix_tokens INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (request_id, attempt));
        CREATE INDEX IF NOT EXISTS ix_ledger_records_ts ON ledger_records (ts);
        CREATE INDEX IF NOT EXISTS ix_ledger_records_session ON ledger_records (session_id) WHERE session_id IS NOT NULL;
        CREATE TABLE IF NOT EXISTS ledger_dims (
            id INTEGER PRIMARY KEY, provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL,
            tenant TEXT NOT NULL, project TEXT NOT NULL, user_id TEXT NOT NULL, key_id TEXT NOT NULL,
            UNIQUE (provider, model, api_flavor, tenant, project, user_id, key_id));
        CREATE TABLE IF NOT EXISTS ledger_rollup_hourly (
            hour INTEGER NOT NULL, dim_id INTEGER NOT NULL,
            {Metrics},
            PRIMARY KEY (hour, dim_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_model_hourly (
            hour INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL,
            {Metrics},
            PRIMARY KEY (hour, provider, model, api_flavor)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_quarter (
            quarter INTEGER NOT NULL, dim_id INTEGER NOT NULL,
            {Metrics},
            PRIMARY KEY (quarter, dim_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_narrow_quarter (
            quarter INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL, tenant TEXT NOT NULL,
            {Metrics},
            PRIMARY KEY (quarter, provider, model, api_flavor, tenant)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_narrow_daily (
            day INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL, tenant TEXT NOT NULL,
            {Metrics},
            PRIMARY KEY (day, provider, model, api_flavor, tenant)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_tag_quarter (
            tag_key TEXT NOT NULL, tag_value TEXT NOT NULL, quarter INTEGER NOT NULL,
            provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL, tenant TEXT NOT NULL,
            {Metrics},
            PRIMARY KEY (tag_key, tag_value, quarter, provider, model, api_flavor, tenant)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_tag_daily (
            tag_key TEXT NOT NULL, tag_value TEXT NOT NULL, day INTEGER NOT NULL,
            provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL, tenant TEXT NOT NULL,
            {Metrics},
            PRIMARY KEY (tag_key, tag_value, day, provider, model, api_flavor, tenant)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_latency_quarter (
            quarter INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL, tenant TEXT NOT NULL,
            cache_calls INTEGER NOT NULL, histogram BLOB,
            PRIMARY KEY (quarter, provider, model, api_flavor, tenant)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_latency_daily (
            day INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL, tenant TEXT NOT NULL,
            cache_calls INTEGER NOT NULL, histogram BLOB,
            PRIMARY KEY (day, provider, model, api_flavor, tenant)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_latency_wide_quarter (
            quarter INTEGER NOT NULL, dim_id INTEGER NOT NULL, cache_calls INTEGER NOT NULL, histogram BLOB,
            PRIMARY KEY (quarter, dim_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_latency_wide_daily (
            day INTEGER NOT NULL, dim_id INTEGER NOT NULL, cache_calls INTEGER NOT NULL, histogram BLOB,
            PRIMARY KEY (day, dim_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_latency_tag_quarter (
            tag_key TEXT NOT NULL, tag_value TEXT NOT NULL, quarter INTEGER NOT NULL,
            provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL, tenant TEXT NOT NULL,
            cache_calls INTEGER NOT NULL, histogram BLOB,
            PRIMARY KEY (tag_key, tag_value, quarter, provider, model, api_flavor, tenant)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_latency_tag_daily (
            tag_key TEXT NOT NULL, tag_value TEXT NOT NULL, day INTEGER NOT NULL,
            provider TEXT NOT NULL, model TEXT NOT NULL, api_flavor TEXT NOT NULL, tenant TEXT NOT NULL,
            cache_calls INTEGER NOT NULL, histogram BLOB,
            PRIMARY KEY (tag_key, tag_value, day, provider, model, api_flavor, tenant)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ledger_rollup_daily (
            day INTEGER NOT NULL, dim_id INTEGER NOT NULL,
            {Metrics},
            PRIMARY KEY (day, dim_id)) WITHOUT ROWID;
        """;

    /// <summary>
    /// Before <see cref="Create"/> on a version 1 or 2 ledger: moves the text-keyed wide rollups aside (temp tables),
    /// so <see cref="Create"/> makes the id-keyed ones. Version 1 had no daily rollup.
    /// </summary>
    public static string SetAsideOldRollups(int version) =>
        "CREATE TEMP TABLE old_hourly AS SELECT * FROM ledger_rollup_hourly; DROP TABLE ledger_rollup_hourly;" +
        (version >= 2 ? " CREATE TEMP TABLE old_daily AS SELECT * FROM ledger_rollup_daily; DROP TABLE ledger_rollup_daily;" : "");

    private const string Keys = "provider, model, api_flavor, tenant, project, user_id, key_id";

    private static readonly string SameDims = string.Join(" AND ", Keys.Split(", ").Select(k => $"d.{k} = o.{k}"));

    private static readonly string OldMetrics = string.Join(", ", Tollgate.Ledger.LedgerColumns.Metrics.Select(m => $"o.{m}"));

    /// <summary>After <see cref="Create"/>: the dimension sets and id-keyed rollups from the rows set aside (the daily one summed from the hourly for version 1).</summary>
    public static string FillFromOldRollups(int version) => $"""
        INSERT INTO ledger_dims ({Keys})
            SELECT DISTINCT {Keys} FROM temp.old_hourly{(version >= 2 ? $" UNION SELECT {Keys} FROM temp.old_daily" : "")};
        INSERT INTO ledger_rollup_hourly (hour, dim_id, {Tollgate.Ledger.LedgerColumns.MetricColumns})
            SELECT o.hour, d.id, {OldMetrics} FROM temp.old_hourly o JOIN ledger_dims d ON {SameDims};
        {(version >= 2
            ? $"INSERT INTO ledger_rollup_daily (day, dim_id, {Tollgate.Ledger.LedgerColumns.MetricColumns}) SELECT o.day, d.id, {OldMetrics} FROM temp.old_daily o JOIN ledger_dims d ON {SameDims};"
            : $"INSERT INTO ledger_rollup_daily (day, dim_id, {Tollgate.Ledger.LedgerColumns.MetricColumns}) SELECT hour - (((hour % 86400) + 86400) % 86400), dim_id, {string.Join(", ", Tollgate.Ledger.LedgerColumns.Metrics.Select(m => $"SUM({m})"))} FROM ledger_rollup_hourly GROUP BY 1, dim_id;")}
        DROP TABLE temp.old_hourly;
        {(version >= 2 ? "DROP TABLE temp.old_daily;" : "")}
        """;

    private static readonly string NoNullDims = string.Join(" AND ", Keys.Split(", ").Select(k => k is "provider" or "model" ? $"d.{k} = r.{k}" : $"d.{k} = coalesce(r.{k}, '')"));

    private static readonly string Remainder = string.Join(", ", Tollgate.Ledger.LedgerColumns.Metrics.Select(m => $"h.{m} - coalesce(q.{m}, 0)"));

    private static readonly string Accumulate = string.Join(", ", Tollgate.Ledger.LedgerColumns.Metrics.Select(m => $"{m} = {m} + excluded.{m}"));

    /// <summary>
    /// Upgrading to version 4: the quarter-hour rollup summed from the raw records; what the hourly rollup holds beyond
    /// them (records already purged) is put in the first quarter of its hour, so every total stays what it was.
    /// </summary>
    public static readonly string FillQuarters = $"""
        DELETE FROM ledger_rollup_quarter;
        INSERT INTO ledger_rollup_quarter (quarter, dim_id, {Tollgate.Ledger.LedgerColumns.MetricColumns})
            SELECT (r.ts / 900000000) * 900, d.id, {RawSums("r.")}
            FROM ledger_records r JOIN ledger_dims d ON {NoNullDims} GROUP BY 1, 2;
        INSERT INTO ledger_rollup_quarter (quarter, dim_id, {Tollgate.Ledger.LedgerColumns.MetricColumns})
            SELECT h.hour, h.dim_id, {Remainder} FROM ledger_rollup_hourly h
            LEFT JOIN (SELECT quarter - (quarter % 3600) AS hour, dim_id, {string.Join(", ", Tollgate.Ledger.LedgerColumns.Metrics.Select(m => $"SUM({m}) AS {m}"))}
                       FROM ledger_rollup_quarter GROUP BY 1, 2) q ON q.hour = h.hour AND q.dim_id = h.dim_id
            WHERE h.requests <> coalesce(q.requests, 0) OR h.cost_nanos <> coalesce(q.cost_nanos, 0)
            ON CONFLICT (quarter, dim_id) DO UPDATE SET {Accumulate};
        """;

    /// <summary>Upgrading from before version 6: the narrow quarter-hour rollup, summed from the wide one.</summary>
    public static readonly string FillNarrowQuarters = $"""
        DELETE FROM ledger_rollup_narrow_quarter;
        INSERT INTO ledger_rollup_narrow_quarter (quarter, provider, model, api_flavor, tenant, {Tollgate.Ledger.LedgerColumns.MetricColumns})
            SELECT q.quarter, d.provider, d.model, d.api_flavor, d.tenant, {string.Join(", ", Tollgate.Ledger.LedgerColumns.Metrics.Select(m => $"SUM(q.{m})"))}
            FROM ledger_rollup_quarter q JOIN ledger_dims d ON d.id = q.dim_id GROUP BY 1, 2, 3, 4, 5;
        """;

    /// <summary>Upgrading from before version 7: the narrow daily rollup, summed from the narrow quarter-hour one.</summary>
    public static readonly string FillNarrowDaily = $"""
        DELETE FROM ledger_rollup_narrow_daily;
        INSERT INTO ledger_rollup_narrow_daily (day, provider, model, api_flavor, tenant, {Tollgate.Ledger.LedgerColumns.MetricColumns})
            SELECT quarter - (((quarter % 86400) + 86400) % 86400), provider, model, api_flavor, tenant, {string.Join(", ", Tollgate.Ledger.LedgerColumns.Metrics.Select(m => $"SUM({m})"))}
            FROM ledger_rollup_narrow_quarter GROUP BY 1, 2, 3, 4, 5;
        """;

    /// <summary>
    /// Before <see cref="Create"/> on a version 8 ledger: its tag rollups (keyed by time, tag key, tag value only) go;
    /// <see cref="Create"/> makes them with the narrow dimensions and <see cref="FillTags"/> refills them.
    /// </summary>
    public const string DropOldTagRollups = "DROP TABLE IF EXISTS ledger_rollup_tag_quarter; DROP TABLE IF EXISTS ledger_rollup_tag_daily;";

    /// <summary>The tag rollups' key columns after the time.</summary>
    public const string TagDims = "provider, model, api_flavor, tenant";

    /// <summary>
    /// Upgrading from before version 9: the tag rollups, summed from the raw records kept (views by tag refuse a range
    /// before a retention cutoff, so purged records are not missed).
    /// </summary>
    public static readonly string FillTags = $"""
        DELETE FROM ledger_rollup_tag_quarter;
        INSERT INTO ledger_rollup_tag_quarter (tag_key, tag_value, quarter, {TagDims}, {Tollgate.Ledger.LedgerColumns.MetricColumns})
            SELECT j.key, j.value, (r.ts / 900000000) * 900, r.provider, r.model, coalesce(r.api_flavor, ''), coalesce(r.tenant, ''), {RawSums("r.")}
            FROM ledger_records r, json_each(r.tags) j WHERE r.tags IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
        DELETE FROM ledger_rollup_tag_daily;
        INSERT INTO ledger_rollup_tag_daily (tag_key, tag_value, day, {TagDims}, {Tollgate.Ledger.LedgerColumns.MetricColumns})
            SELECT tag_key, tag_value, quarter - (((quarter % 86400) + 86400) % 86400), {TagDims}, {string.Join(", ", Tollgate.Ledger.LedgerColumns.Metrics.Select(m => $"SUM({m})"))}
            FROM ledger_rollup_tag_quarter GROUP BY 1, 2, 3, 4, 5, 6, 7;
        """;

    // A histogram column is NULL when no call was successful: an empty blob comes back from SQLite as NULL.

    /// <summary>An upsert of a latency rollup (?1 time, ?2–?5 provider, model, api flavour, tenant, ?6 cache calls, ?7 histogram).</summary>
    public static string UpsertLatency(string table, string time) =>
        $"INSERT INTO {table} ({time}, provider, model, api_flavor, tenant, cache_calls, histogram) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) " +
        $"ON CONFLICT ({time}, provider, model, api_flavor, tenant) DO UPDATE SET cache_calls = cache_calls + excluded.cache_calls, " +
        $"histogram = {LatencyAdd}(histogram, excluded.histogram)";

    /// <summary>An upsert of a wide latency rollup (?1 time, ?2 dimension-set id, ?3 cache calls, ?4 histogram).</summary>
    public static string UpsertWideLatency(string table, string time) =>
        $"INSERT INTO {table} ({time}, dim_id, cache_calls, histogram) VALUES (?1, ?2, ?3, ?4) " +
        $"ON CONFLICT ({time}, dim_id) DO UPDATE SET cache_calls = cache_calls + excluded.cache_calls, " +
        $"histogram = {LatencyAdd}(histogram, excluded.histogram)";

    /// <summary>
    /// An upsert of a tag latency rollup (?1 tag key, ?2 tag value, ?3 time, ?4–?7 provider, model, api flavour, tenant,
    /// ?8 cache calls, ?9 histogram).
    /// </summary>
    public static string UpsertTagLatency(string table, string time) =>
        $"INSERT INTO {table} (tag_key, tag_value, {time}, {TagDims}, cache_calls, histogram) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) " +
        $"ON CONFLICT (tag_key, tag_value, {time}, {TagDims}) DO UPDATE SET cache_calls = cache_calls + excluded.cache_calls, " +
        $"histogram = {LatencyAdd}(histogram, excluded.histogram)";

    /// <summary>Upgrading from before version 5: the fingerprint columns (empty for the records already kept).</summary>
    public const string AddFingerprints = """
        ALTER TABLE ledger_records ADD COLUMN request_fingerprint TEXT;
        ALTER TABLE ledger_records ADD COLUMN prefix_fingerprint TEXT;
        ALTER TABLE ledger_records ADD COLUMN prefix_tokens INTEGER NOT NULL DEFAULT 0;
        """;

    /// <summary>Sums of raw record columns in rollup metric order.</summary>
    public static string RawSums(string alias = "") => $"""
        COUNT(*), SUM({alias}input_tokens), SUM({alias}cache_read_tokens), SUM({alias}cache_write_tokens), SUM({alias}output_tokens),
        SUM({alias}reasoning_tokens), SUM({alias}total_cost_nanos), SUM({alias}input_cost_nanos), SUM({alias}output_cost_nanos),
        SUM(1 - {alias}success), SUM({alias}estimated), SUM({alias}unpriced), SUM({alias}latency_ms)
        """;

    public const string RecordColumns =
        "request_id, attempt, ts, provider, model, api_flavor, tenant, project, user_id, key_id, session_id, tags, " +
        "input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, usage_extra, currency, " +
        "input_cost_nanos, output_cost_nanos, total_cost_nanos, price_source, latency_ms, success, error_class, estimated, unpriced, " +
        "request_fingerprint, prefix_fingerprint, prefix_tokens";
}
