using Tollgate.Ledger;

namespace Tollgate.PostgreSql.Ledger;

/// <summary>
/// The ledger's tables in PostgreSQL, versioned in <c>tollgate_meta</c>; every statement is idempotent. Key text
/// columns use the "C" collation: byte-order comparisons in the B-trees and GROUP BYs instead of the locale's
/// (several times cheaper per comparison), and the ordinal order every store already reports in.
/// </summary>
internal static class PostgreSqlLedgerSchema
{
    /// <summary>
    /// 2 added the daily rollup; 3 keys the wide rollups by a dimension-set id (<c>ledger_dims</c>) instead of seven
    /// text columns; 4 added the quarter-hour rollup (exact reports in zones whose offset is not a whole hour); 5 the
    /// request and prefix fingerprints; 6 the narrow quarter-hour rollup (provider, model, api flavour, tenant); 7 the
    /// narrow daily one; 8 the tag rollups (quarter hour and day × tag key, tag value); 9 keys them by (tag key, tag
    /// value, time, provider, model, api flavour, tenant); 10 the latency rollups (<see cref="PostgreSqlLatencySchema"/>); 11 the wide
    /// latency rollups (keyed by dimension set); 12 the tag latency rollups (keyed like the tag rollups).
    /// Older ledgers are upgraded when opened (<see cref="SetAsideOldRollups"/>, <see cref="FillFromOldRollups"/>,
    /// <see cref="FillQuarters"/>, <see cref="AddFingerprints"/>, <see cref="FillNarrowQuarters"/>, <see cref="FillNarrowDaily"/>,
    /// <see cref="DropOldTagRollups"/>, <see cref="FillTags"/>, <see cref="PostgreSqlLatencySchema.FillNarrow"/>, <see cref="PostgreSqlLatencySchema.FillWide"/>, <see cref="PostgreSqlLatencySchema.FillTag"/>).
    /// </summary>
    public const int Version = 12;

    /// <summary>Upgrading from before version 5: the fingerprint columns (empty for the records already kept; no rewrite).</summary>
    public const string AddFingerprints = """
        ALTER TABLE ledger_records ADD COLUMN IF NOT EXISTS request_fingerprint text COLLATE "C";
        ALTER TABLE ledger_records ADD COLUMN IF NOT EXISTS prefix_fingerprint text COLLATE "C";
        ALTER TABLE ledger_records ADD COLUMN IF NOT EXISTS prefix_tokens bigint NOT NULL DEFAULT 0;
        """;

    /// <summary>First in the schema transaction: one instance at a time creates or upgrades the schema.</summary>
    public const string LockAndCreateMeta = """
        SELECT pg_advisory_xact_lock(746162656467);
        CREATE TABLE IF NOT EXISTS tollgate_meta (key text PRIMARY KEY, value text NOT NULL);
        """;

    /// <summary>
    /// Before <see cref="Create"/> on a version 1 or 2 ledger: moves the text-keyed wide rollups aside (temp tables),
    /// so <see cref="Create"/> makes the id-keyed ones. Version 1 had no daily rollup.
    /// </summary>
    public static string SetAsideOldRollups(int version) =>
        "CREATE TEMP TABLE old_hourly ON COMMIT DROP AS SELECT * FROM ledger_rollup_hourly; DROP TABLE ledger_rollup_hourly;" +
        (version >= 2 ? " CREATE TEMP TABLE old_daily ON COMMIT DROP AS SELECT * FROM ledger_rollup_daily; DROP TABLE ledger_rollup_daily;" : "");

    private static readonly string SameDims = string.Join(" AND ", RollupDims.Columns.Split(", ").Select(k => $"d.{k} = o.{k}"));

    private static readonly string OldMetrics = string.Join(", ", LedgerColumns.Metrics.Select(m => $"o.{m}"));

    /// <summary>
    /// After <see cref="Create"/>: the dimension sets and id-keyed rollups from the rows set aside (the daily one summed
    /// from the hourly for version 1), then fresh statistics: the first report after an upgrade of a large ledger
    /// was otherwise planned without statistics (the first run after upgrading the 10 M-record bench ledger measured
    /// 0.95 s for a tenant report, 0.05 s once autovacuum had analysed the new tables).
    /// </summary>
    public static string FillFromOldRollups(int version) => $"""
        INSERT INTO ledger_dims ({RollupDims.Columns})
            SELECT DISTINCT {RollupDims.Columns} FROM pg_temp.old_hourly{(version >= 2 ? $" UNION SELECT {RollupDims.Columns} FROM pg_temp.old_daily" : "")}
            ORDER BY 1, 2, 3, 4, 5, 6, 7;
        INSERT INTO ledger_rollup_hourly (hour, dim_id, {LedgerColumns.MetricColumns})
            SELECT o.hour, d.id, {OldMetrics} FROM pg_temp.old_hourly o JOIN ledger_dims d ON {SameDims};
        {(version >= 2
            ? $"INSERT INTO ledger_rollup_daily (day, dim_id, {LedgerColumns.MetricColumns}) SELECT o.day, d.id, {OldMetrics} FROM pg_temp.old_daily o JOIN ledger_dims d ON {SameDims};"
            : $"INSERT INTO ledger_rollup_daily (day, dim_id, {LedgerColumns.MetricColumns}) SELECT hour - ((hour % 86400) + 86400) % 86400, dim_id, {string.Join(", ", LedgerColumns.Metrics.Select(m => $"sum({m})"))} FROM ledger_rollup_hourly GROUP BY 1, dim_id;")}
        ANALYZE ledger_dims, ledger_rollup_hourly, ledger_rollup_daily;
        """;

    /// <summary>A flag column as a true test (flags are booleans).</summary>
    public static string Flag(string column) => column;

    /// <summary>The irregular records' condition in this dialect, verbatim as in their partial index.</summary>
    public static readonly string Irregular = LedgerUsageOutlier.IrregularSql(Flag);

    /// <summary>
    /// The partial index on the records what-if cannot take from the rollups' sums: a query for them reads only them
    /// (a ledger written before it gets it on first open, one pass over the records).
    /// </summary>
    public static readonly string CreateIrregularIndex = $"CREATE INDEX IF NOT EXISTS ix_ledger_records_irregular ON ledger_records (ts) WHERE {Irregular};";

    // Room on each page so a rollup row's update (same key, new sums) stays on its page as a HOT update and touches
    // no index: without it every update inserted a new entry into the 8-column key index (the profile's top cost).
    private const string RollupFillFactor = "50";

    private const string Metrics = """
        requests bigint NOT NULL, input_tokens bigint NOT NULL, cache_read_tokens bigint NOT NULL,
        cache_write_tokens bigint NOT NULL, output_tokens bigint NOT NULL, reasoning_tokens bigint NOT NULL,
        cost_nanos bigint NOT NULL, input_cost_nanos bigint NOT NULL, output_cost_nanos bigint NOT NULL,
        errors bigint NOT NULL, estimated bigint NOT NULL, unpriced bigint NOT NULL, latency_ms_sum bigint NOT NULL
        """;

    private const string RecordTable = """
        request_id text COLLATE "C" NOT NULL, attempt integer NOT NULL, ts timestamptz NOT NULL,
        provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL, api_flavor text COLLATE "C",
        tenant text COLLATE "C", project text COLLATE "C", user_id text COLLATE "C",
        key_id text COLLATE "C", session_id text COLLATE "C", tags text,
        input_tokens bigint NOT NULL, cache_read_tokens bigint NOT NULL, cache_write_tokens bigint NOT NULL,
        output_tokens bigint NOT NULL, reasoning_tokens bigint NOT NULL, usage_extra text,
        currency text NOT NULL, input_cost_nanos bigint NOT NULL, output_cost_nanos bigint NOT NULL,
        total_cost_nanos bigint NOT NULL, price_source text, latency_ms bigint NOT NULL,
        success boolean NOT NULL, error_class text, estimated boolean NOT NULL, unpriced boolean NOT NULL,
        request_fingerprint text COLLATE "C", prefix_fingerprint text COLLATE "C", prefix_tokens bigint NOT NULL DEFAULT 0
        """;

    public const string Create = $"""
        CREATE TABLE IF NOT EXISTS ledger_records ({RecordTable}, PRIMARY KEY (request_id, attempt));
        CREATE INDEX IF NOT EXISTS ix_ledger_records_ts ON ledger_records (ts);
        CREATE INDEX IF NOT EXISTS ix_ledger_records_session ON ledger_records (session_id) WHERE session_id IS NOT NULL;
        CREATE TABLE IF NOT EXISTS ledger_dims (
            id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL,
            api_flavor text COLLATE "C" NOT NULL, tenant text COLLATE "C" NOT NULL, project text COLLATE "C" NOT NULL,
            user_id text COLLATE "C" NOT NULL, key_id text COLLATE "C" NOT NULL,
            UNIQUE (provider, model, api_flavor, tenant, project, user_id, key_id));
        CREATE TABLE IF NOT EXISTS ledger_rollup_hourly (
            hour bigint NOT NULL, dim_id integer NOT NULL,
            {Metrics},
            PRIMARY KEY (hour, dim_id)) WITH (fillfactor = {RollupFillFactor});
        CREATE TABLE IF NOT EXISTS ledger_rollup_model_hourly (
            hour bigint NOT NULL, provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL,
            api_flavor text COLLATE "C" NOT NULL,
            {Metrics},
            PRIMARY KEY (hour, provider, model, api_flavor)) WITH (fillfactor = {RollupFillFactor});
        CREATE TABLE IF NOT EXISTS ledger_rollup_quarter (
            quarter bigint NOT NULL, dim_id integer NOT NULL,
            {Metrics},
            PRIMARY KEY (quarter, dim_id)) WITH (fillfactor = {RollupFillFactor});
        CREATE TABLE IF NOT EXISTS ledger_rollup_narrow_quarter (
            quarter bigint NOT NULL, provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL,
            api_flavor text COLLATE "C" NOT NULL, tenant text COLLATE "C" NOT NULL,
            {Metrics},
            PRIMARY KEY (quarter, provider, model, api_flavor, tenant)) WITH (fillfactor = {RollupFillFactor});
        CREATE TABLE IF NOT EXISTS ledger_rollup_narrow_daily (
            day bigint NOT NULL, provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL,
            api_flavor text COLLATE "C" NOT NULL, tenant text COLLATE "C" NOT NULL,
            {Metrics},
            PRIMARY KEY (day, provider, model, api_flavor, tenant)) WITH (fillfactor = {RollupFillFactor});
        CREATE TABLE IF NOT EXISTS ledger_rollup_tag_quarter (
            tag_key text COLLATE "C" NOT NULL, tag_value text COLLATE "C" NOT NULL, quarter bigint NOT NULL,
            provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL,
            api_flavor text COLLATE "C" NOT NULL, tenant text COLLATE "C" NOT NULL,
            {Metrics},
            PRIMARY KEY (tag_key, tag_value, quarter, provider, model, api_flavor, tenant)) WITH (fillfactor = {RollupFillFactor});
        CREATE TABLE IF NOT EXISTS ledger_rollup_tag_daily (
            tag_key text COLLATE "C" NOT NULL, tag_value text COLLATE "C" NOT NULL, day bigint NOT NULL,
            provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL,
            api_flavor text COLLATE "C" NOT NULL, tenant text COLLATE "C" NOT NULL,
            {Metrics},
            PRIMARY KEY (tag_key, tag_value, day, provider, model, api_flavor, tenant)) WITH (fillfactor = {RollupFillFactor});
        CREATE TABLE IF NOT EXISTS ledger_rollup_daily (
            day bigint NOT NULL, dim_id integer NOT NULL,
            {Metrics},
            PRIMARY KEY (day, dim_id)) WITH (fillfactor = {RollupFillFactor});
        """;

    public const string RecordColumns =
        "request_id, attempt, ts, provider, model, api_flavor, tenant, project, user_id, key_id, session_id, tags, " +
        "input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, usage_extra, currency, " +
        "input_cost_nanos, output_cost_nanos, total_cost_nanos, price_source, latency_ms, success, error_class, estimated, unpriced, " +
        "request_fingerprint, prefix_fingerprint, prefix_tokens";

    // date_part is float8 (exact for microsecond timestamps of this era); extract() is numeric, several times slower per row.
    public const string QuarterOfTs = "(floor(date_part('epoch', ts) / 900) * 900)::bigint";

    private const string Sums = """
        count(*), sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(output_tokens),
        sum(reasoning_tokens), sum(total_cost_nanos), sum(input_cost_nanos), sum(output_cost_nanos),
        sum(CASE WHEN success THEN 0 ELSE 1 END), sum(CASE WHEN estimated THEN 1 ELSE 0 END),
        sum(CASE WHEN unpriced THEN 1 ELSE 0 END), sum(latency_ms)
        """;

    /// <summary>Sums of raw records for reports, as bigints (the rollups' type; a numeric sum would make the union numeric).</summary>
    public static readonly string RawSums = """
        count(*), sum(input_tokens)::bigint, sum(cache_read_tokens)::bigint, sum(cache_write_tokens)::bigint, sum(output_tokens)::bigint,
        sum(reasoning_tokens)::bigint, sum(total_cost_nanos)::bigint, sum(input_cost_nanos)::bigint, sum(output_cost_nanos)::bigint,
        sum(CASE WHEN success THEN 0 ELSE 1 END)::bigint, sum(CASE WHEN estimated THEN 1 ELSE 0 END)::bigint,
        sum(CASE WHEN unpriced THEN 1 ELSE 0 END)::bigint, sum(latency_ms)::bigint
        """;

    // A property, not a field: the latency schema's statements read it while this type's fields may still be initialising.
    internal static string NoNullDims => string.Join(" AND ", RollupDims.Columns.Split(", ").Select(k => k is "provider" or "model" ? $"d.{k} = r.{k}" : $"d.{k} = coalesce(r.{k}, '')"));

    /// <summary>
    /// Upgrading to version 4: the quarter-hour rollup summed from the raw records; what the hourly rollup holds beyond
    /// them (records already purged) is put in the first quarter of its hour, so every total stays what it was.
    /// </summary>
    public static string FillQuarters => $"""
        DELETE FROM ledger_rollup_quarter;
        INSERT INTO ledger_rollup_quarter (quarter, dim_id, {LedgerColumns.MetricColumns})
            SELECT (floor(date_part('epoch', r.ts) / 900) * 900)::bigint, d.id, {Sums}
            FROM ledger_records r JOIN ledger_dims d ON {NoNullDims} GROUP BY 1, 2;
        INSERT INTO ledger_rollup_quarter AS r (quarter, dim_id, {LedgerColumns.MetricColumns})
            SELECT h.hour, h.dim_id, {string.Join(", ", LedgerColumns.Metrics.Select(m => $"h.{m} - coalesce(q.{m}, 0)"))} FROM ledger_rollup_hourly h
            LEFT JOIN (SELECT quarter - ((quarter % 3600) + 3600) % 3600 AS hour, dim_id, {string.Join(", ", LedgerColumns.Metrics.Select(m => $"sum({m})::bigint AS {m}"))}
                       FROM ledger_rollup_quarter GROUP BY 1, 2) q ON q.hour = h.hour AND q.dim_id = h.dim_id
            WHERE h.requests <> coalesce(q.requests, 0) OR h.cost_nanos <> coalesce(q.cost_nanos, 0)
            ON CONFLICT (quarter, dim_id) DO UPDATE SET {Accumulate};
        ANALYZE ledger_rollup_quarter;
        """;

    /// <summary>Upgrading from before version 6: the narrow quarter-hour rollup, summed from the wide one.</summary>
    public static string FillNarrowQuarters => $"""
        DELETE FROM ledger_rollup_narrow_quarter;
        INSERT INTO ledger_rollup_narrow_quarter (quarter, provider, model, api_flavor, tenant, {LedgerColumns.MetricColumns})
            SELECT q.quarter, d.provider, d.model, d.api_flavor, d.tenant, {string.Join(", ", LedgerColumns.Metrics.Select(m => $"sum(q.{m})::bigint"))}
            FROM ledger_rollup_quarter q JOIN ledger_dims d ON d.id = q.dim_id GROUP BY 1, 2, 3, 4, 5;
        ANALYZE ledger_rollup_narrow_quarter;
        """;

    /// <summary>Upgrading from before version 7: the narrow daily rollup, summed from the narrow quarter-hour one.</summary>
    public static string FillNarrowDaily => $"""
        DELETE FROM ledger_rollup_narrow_daily;
        INSERT INTO ledger_rollup_narrow_daily (day, provider, model, api_flavor, tenant, {LedgerColumns.MetricColumns})
            SELECT quarter - ((quarter % 86400) + 86400) % 86400, provider, model, api_flavor, tenant, {string.Join(", ", LedgerColumns.Metrics.Select(m => $"sum({m})::bigint"))}
            FROM ledger_rollup_narrow_quarter GROUP BY 1, 2, 3, 4, 5;
        ANALYZE ledger_rollup_narrow_daily;
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
    public static string FillTags => $"""
        DELETE FROM ledger_rollup_tag_quarter;
        INSERT INTO ledger_rollup_tag_quarter (tag_key, tag_value, quarter, {TagDims}, {LedgerColumns.MetricColumns})
            SELECT t.key, t.value, (floor(date_part('epoch', r.ts) / 900) * 900)::bigint, r.provider, r.model,
                coalesce(r.api_flavor, ''), coalesce(r.tenant, ''), {Sums}
            FROM ledger_records r CROSS JOIN LATERAL jsonb_each_text(r.tags::jsonb) AS t(key, value)
            WHERE r.tags IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
        DELETE FROM ledger_rollup_tag_daily;
        INSERT INTO ledger_rollup_tag_daily (tag_key, tag_value, day, {TagDims}, {LedgerColumns.MetricColumns})
            SELECT tag_key, tag_value, quarter - ((quarter % 86400) + 86400) % 86400, {TagDims}, {string.Join(", ", LedgerColumns.Metrics.Select(m => $"sum({m})::bigint"))}
            FROM ledger_rollup_tag_quarter GROUP BY 1, 2, 3, 4, 5, 6, 7;
        ANALYZE ledger_rollup_tag_quarter, ledger_rollup_tag_daily;
        """;

    /// <summary>
    /// Inserts a batch (the <see cref="BatchArrays"/> parameters) in one statement: new keys only (ON CONFLICT DO
    /// NOTHING), skipping records older than the retention cutoff, and adds exactly the inserted rows (RETURNING)
    /// to the rollups. Returns (inserted, expired). Every dimension set of the batch must already be in <c>ledger_dims</c>.
    /// </summary>
    public static readonly string Append = $"""
        WITH cutoff AS (
            SELECT coalesce(
                (SELECT timestamptz 'epoch' + value::bigint * interval '1 microsecond' FROM tollgate_meta WHERE key = 'ledger.retention_cutoff'),
                '-infinity'::timestamptz) AS at),
        ins AS (
            INSERT INTO ledger_records ({RecordColumns})
            SELECT {RecordColumns} FROM {BatchArrays.Unnest} WHERE ts >= (SELECT at FROM cutoff)
            ON CONFLICT (request_id, attempt) DO NOTHING
            RETURNING {QuarterOfTs} AS quarter, provider, model, coalesce(api_flavor, '') AS api_flavor, coalesce(tenant, '') AS tenant,
                coalesce(project, '') AS project, coalesce(user_id, '') AS user_id, coalesce(key_id, '') AS key_id,
                input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, total_cost_nanos,
                input_cost_nanos, output_cost_nanos, success, estimated, unpriced, latency_ms, tags),
        wide AS (
            INSERT INTO ledger_rollup_hourly AS r (hour, dim_id, {LedgerColumns.MetricColumns})
            SELECT quarter - ((quarter % 3600) + 3600) % 3600, d.id, {Sums}
            FROM ins JOIN ledger_dims d USING ({RollupDims.Columns}) GROUP BY 1, d.id ORDER BY 1, 2
            ON CONFLICT (hour, dim_id) DO UPDATE SET {Accumulate}
            RETURNING 1),
        by_model AS (
            INSERT INTO ledger_rollup_model_hourly AS r (hour, provider, model, api_flavor, {LedgerColumns.MetricColumns})
            SELECT quarter - ((quarter % 3600) + 3600) % 3600, provider, model, api_flavor, {Sums}
            FROM ins GROUP BY 1, provider, model, api_flavor
            ORDER BY 1, provider, model, api_flavor
            ON CONFLICT (hour, provider, model, api_flavor) DO UPDATE SET {Accumulate}
            RETURNING 1),
        daily AS (
            INSERT INTO ledger_rollup_daily AS r (day, dim_id, {LedgerColumns.MetricColumns})
            SELECT quarter - ((quarter % 86400) + 86400) % 86400, d.id, {Sums}
            FROM ins JOIN ledger_dims d USING ({RollupDims.Columns}) GROUP BY 1, d.id ORDER BY 1, 2
            ON CONFLICT (day, dim_id) DO UPDATE SET {Accumulate}
            RETURNING 1),
        quarters AS (
            INSERT INTO ledger_rollup_quarter AS r (quarter, dim_id, {LedgerColumns.MetricColumns})
            SELECT quarter, d.id, {Sums}
            FROM ins JOIN ledger_dims d USING ({RollupDims.Columns}) GROUP BY 1, d.id ORDER BY 1, 2
            ON CONFLICT (quarter, dim_id) DO UPDATE SET {Accumulate}
            RETURNING 1),
        narrow AS (
            INSERT INTO ledger_rollup_narrow_quarter AS r (quarter, provider, model, api_flavor, tenant, {LedgerColumns.MetricColumns})
            SELECT quarter, provider, model, api_flavor, tenant, {Sums}
            FROM ins GROUP BY 1, provider, model, api_flavor, tenant
            ORDER BY 1, provider, model, api_flavor, tenant
            ON CONFLICT (quarter, provider, model, api_flavor, tenant) DO UPDATE SET {Accumulate}
            RETURNING 1),
        narrow_daily AS (
            INSERT INTO ledger_rollup_narrow_daily AS r (day, provider, model, api_flavor, tenant, {LedgerColumns.MetricColumns})
            SELECT quarter - ((quarter % 86400) + 86400) % 86400, provider, model, api_flavor, tenant, {Sums}
            FROM ins GROUP BY 1, provider, model, api_flavor, tenant
            ORDER BY 1, provider, model, api_flavor, tenant
            ON CONFLICT (day, provider, model, api_flavor, tenant) DO UPDATE SET {Accumulate}
            RETURNING 1),
        tag_quarter AS (
            INSERT INTO ledger_rollup_tag_quarter AS r (tag_key, tag_value, quarter, {TagDims}, {LedgerColumns.MetricColumns})
            SELECT t.key, t.value, quarter, {TagDims}, {Sums}
            FROM ins CROSS JOIN LATERAL jsonb_each_text(ins.tags::jsonb) AS t(key, value) WHERE ins.tags IS NOT NULL
            GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY {TagOrder}
            ON CONFLICT (tag_key, tag_value, quarter, {TagDims}) DO UPDATE SET {Accumulate}
            RETURNING 1),
        tag_daily AS (
            INSERT INTO ledger_rollup_tag_daily AS r (tag_key, tag_value, day, {TagDims}, {LedgerColumns.MetricColumns})
            SELECT t.key, t.value, quarter - ((quarter % 86400) + 86400) % 86400, {TagDims}, {Sums}
            FROM ins CROSS JOIN LATERAL jsonb_each_text(ins.tags::jsonb) AS t(key, value) WHERE ins.tags IS NOT NULL
            GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY {TagOrder}
            ON CONFLICT (tag_key, tag_value, day, {TagDims}) DO UPDATE SET {Accumulate}
            RETURNING 1),
        {PostgreSqlLatencySchema.AppendCtes}
        SELECT (SELECT count(*) FROM ins),
               (SELECT count(*) FROM unnest(@c2::timestamptz[]) AS t(ts) WHERE ts < (SELECT at FROM cutoff)),
               (SELECT count(*) FROM wide) + (SELECT count(*) FROM by_model) + (SELECT count(*) FROM daily) + (SELECT count(*) FROM quarters)
                 + (SELECT count(*) FROM narrow) + (SELECT count(*) FROM narrow_daily) + (SELECT count(*) FROM tag_quarter)
                 + (SELECT count(*) FROM tag_daily) + {PostgreSqlLatencySchema.AppendCounts}
        """;

    /// <summary>Tag rollup rows in their key index's order (text in the "C" collation), as <see cref="RollupArrays"/> sorts them.</summary>
    private const string TagOrder = "t.key COLLATE \"C\", t.value COLLATE \"C\", 3, provider COLLATE \"C\", model COLLATE \"C\", api_flavor COLLATE \"C\", tenant COLLATE \"C\"";

    private static string Accumulate =>
        string.Join(", ", LedgerColumns.Metrics.Select(m => $"{m} = r.{m} + excluded.{m}"));
}
