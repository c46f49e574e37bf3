namespace Tollgate.Stores.Tests.Ledger;

/// <summary>
/// Turns a current ledger back into what schema version 1 to 11 stored — 11: no tag latency rollups; 10: no wide latency rollups; 9: no latency rollups; 8: tag rollups keyed by (time, tag key, tag value) only; before 8 no tag rollups; before 7 no narrow daily rollup; before 6 no narrow quarter-hour rollup; before 5 no fingerprint columns; before 4 no quarter-hour rollup; before 3, wide
/// rollups keyed by the seven dimension text columns (version 1 without the daily rollup) — filled from the ledger's own records, so the upgrade on open
/// can be tested against the older layout exactly as those versions wrote it.
/// </summary>
internal static class LegacyLedgerSchema
{
    private const string Keys = "provider, model, api_flavor, tenant, project, user_id, key_id";

    private const string KeyValues =
        "provider, model, coalesce(api_flavor, ''), coalesce(tenant, ''), coalesce(project, ''), coalesce(user_id, ''), coalesce(key_id, '')";

    private const string MetricColumns =
        "requests, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, " +
        "cost_nanos, input_cost_nanos, output_cost_nanos, errors, estimated, unpriced, latency_ms_sum";

    /// <summary>Before version 12 there were no tag latency rollups.</summary>
    private const string DropTagLatency = "DROP TABLE ledger_rollup_latency_tag_quarter; DROP TABLE ledger_rollup_latency_tag_daily; ";

    /// <summary>Before version 11 there were no wide latency rollups.</summary>
    private const string DropWideLatency = DropTagLatency + "DROP TABLE ledger_rollup_latency_wide_quarter; DROP TABLE ledger_rollup_latency_wide_daily; ";

    /// <summary>Before version 10 there were no latency rollups.</summary>
    private const string DropLatency = DropWideLatency + "DROP TABLE ledger_rollup_latency_quarter; DROP TABLE ledger_rollup_latency_daily; ";

    public static string Sqlite(int version) => version switch
    {
        11 => DropTagLatency + "UPDATE tollgate_meta SET value = '11' WHERE key = 'ledger.schema_version';",
        10 => DropWideLatency + "UPDATE tollgate_meta SET value = '10' WHERE key = 'ledger.schema_version';",
        9 => DropLatency + "UPDATE tollgate_meta SET value = '9' WHERE key = 'ledger.schema_version';",
        8 => DropLatency + Version8Tags("(ts / 900000000) * 900", "ledger_records r, json_each(r.tags) j", "TEXT NOT NULL", "INTEGER", SqliteSums, " WITHOUT ROWID"),
        _ => Build(
        version,
        hourOfTs: "(ts / 3600000000) * 3600",
        textKey: "TEXT NOT NULL",
        intType: "INTEGER",
        sums: SqliteSums,
        tableSuffix: " WITHOUT ROWID"),
    };

    private const string SqliteSums =
        "COUNT(*), SUM(input_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens), SUM(output_tokens), SUM(reasoning_tokens), " +
        "SUM(total_cost_nanos), SUM(input_cost_nanos), SUM(output_cost_nanos), SUM(1 - success), SUM(estimated), SUM(unpriced), SUM(latency_ms)";

    private const string PostgresSums =
        "count(*), sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens), " +
        "sum(total_cost_nanos), sum(input_cost_nanos), sum(output_cost_nanos), sum(CASE WHEN success THEN 0 ELSE 1 END), " +
        "sum(CASE WHEN estimated THEN 1 ELSE 0 END), sum(CASE WHEN unpriced THEN 1 ELSE 0 END), sum(latency_ms)";

    /// <summary>Version 8: the tag rollups keyed by (quarter hour or day, tag key, tag value), filled from the records.</summary>
    private static string Version8Tags(string quarterOfTs, string recordsAndTags, string textKey, string intType, string sums, string tableSuffix)
    {
        var metrics = string.Join(", ", MetricColumns.Split(", ").Select(m => $"{m} {intType} NOT NULL"));
        var resum = string.Join(", ", MetricColumns.Split(", ").Select(m => $"sum({m})"));
        return $"""
            DROP TABLE ledger_rollup_tag_quarter; DROP TABLE ledger_rollup_tag_daily;
            CREATE TABLE ledger_rollup_tag_quarter (quarter {intType} NOT NULL, tag_key {textKey}, tag_value {textKey}, {metrics},
                PRIMARY KEY (quarter, tag_key, tag_value)){tableSuffix};
            CREATE TABLE ledger_rollup_tag_daily (day {intType} NOT NULL, tag_key {textKey}, tag_value {textKey}, {metrics},
                PRIMARY KEY (day, tag_key, tag_value)){tableSuffix};
            INSERT INTO ledger_rollup_tag_quarter (quarter, tag_key, tag_value, {MetricColumns})
                SELECT {quarterOfTs}, j.key, j.value, {sums} FROM {recordsAndTags} WHERE r.tags IS NOT NULL GROUP BY 1, 2, 3;
            INSERT INTO ledger_rollup_tag_daily (day, tag_key, tag_value, {MetricColumns})
                SELECT quarter - ((quarter % 86400) + 86400) % 86400, tag_key, tag_value, {resum} FROM ledger_rollup_tag_quarter GROUP BY 1, 2, 3;
            UPDATE tollgate_meta SET value = '8' WHERE key = 'ledger.schema_version';
            """;
    }

    public static string Postgres(int version) => version switch
    {
        11 => DropTagLatency + "UPDATE tollgate_meta SET value = '11' WHERE key = 'ledger.schema_version';",
        10 => DropWideLatency + "UPDATE tollgate_meta SET value = '10' WHERE key = 'ledger.schema_version';",
        9 => DropLatency + "UPDATE tollgate_meta SET value = '9' WHERE key = 'ledger.schema_version';",
        8 => DropLatency + Version8Tags("(floor(date_part('epoch', ts) / 900) * 900)::bigint", "ledger_records r CROSS JOIN LATERAL jsonb_each_text(r.tags::jsonb) AS j(key, value)",
            "text COLLATE \"C\" NOT NULL", "bigint", PostgresSums, ""),
        _ => Build(
        version,
        hourOfTs: "(floor(date_part('epoch', ts) / 3600) * 3600)::bigint",
        textKey: "text COLLATE \"C\" NOT NULL",
        intType: "bigint",
        sums: PostgresSums,
        tableSuffix: ""),
    };

    /// <summary>Before version 5 the records had no fingerprint columns.</summary>
    private const string DropFingerprints =
        "ALTER TABLE ledger_records DROP COLUMN request_fingerprint; ALTER TABLE ledger_records DROP COLUMN prefix_fingerprint; " +
        "ALTER TABLE ledger_records DROP COLUMN prefix_tokens; ";

    private static string Build(int version, string hourOfTs, string textKey, string intType, string sums, string tableSuffix) =>
        DropLatency + BuildBefore8(version, hourOfTs, textKey, intType, sums, tableSuffix);

    private static string BuildBefore8(int version, string hourOfTs, string textKey, string intType, string sums, string tableSuffix)
    {
        // Before version 8 there were no tag rollups; before 6 no narrow rollups; version 6 had the quarter-hour one only.
        const string DropTags = "DROP TABLE ledger_rollup_tag_quarter; DROP TABLE ledger_rollup_tag_daily; ";
        if (version == 7)
        {
            return DropTags + "UPDATE tollgate_meta SET value = '7' WHERE key = 'ledger.schema_version';";
        }

        if (version == 6)
        {
            return DropTags + "DROP TABLE ledger_rollup_narrow_daily; UPDATE tollgate_meta SET value = '6' WHERE key = 'ledger.schema_version';";
        }

        const string DropNarrow = DropTags + "DROP TABLE ledger_rollup_narrow_quarter; DROP TABLE ledger_rollup_narrow_daily; ";
        if (version == 5)
        {
            return DropNarrow + "UPDATE tollgate_meta SET value = '5' WHERE key = 'ledger.schema_version';";
        }

        if (version == 4)
        {
            return DropNarrow + DropFingerprints + "UPDATE tollgate_meta SET value = '4' WHERE key = 'ledger.schema_version';";
        }

        if (version == 3)
        {
            return DropNarrow + DropFingerprints + "DROP TABLE ledger_rollup_quarter; UPDATE tollgate_meta SET value = '3' WHERE key = 'ledger.schema_version';";
        }

        var metrics = string.Join(", ", MetricColumns.Split(", ").Select(m => $"{m} {intType} NOT NULL"));
        var keys = string.Join(", ", Keys.Split(", ").Select(k => $"{k} {textKey}"));
        var sql = DropNarrow + DropFingerprints + $"""
            DROP TABLE ledger_rollup_hourly; DROP TABLE ledger_rollup_daily; DROP TABLE ledger_rollup_quarter; DROP TABLE ledger_dims;
            CREATE TABLE ledger_rollup_hourly (hour {intType} NOT NULL, {keys}, {metrics}, PRIMARY KEY (hour, {Keys})){tableSuffix};
            INSERT INTO ledger_rollup_hourly (hour, {Keys}, {MetricColumns})
                SELECT {hourOfTs}, {KeyValues}, {sums} FROM ledger_records GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
            UPDATE tollgate_meta SET value = '{version}' WHERE key = 'ledger.schema_version';
            """;
        if (version >= 2)
        {
            sql += $"""

                CREATE TABLE ledger_rollup_daily (day {intType} NOT NULL, {keys}, {metrics}, PRIMARY KEY (day, {Keys})){tableSuffix};
                INSERT INTO ledger_rollup_daily (day, {Keys}, {MetricColumns})
                    SELECT ({hourOfTs}) - ((({hourOfTs}) % 86400) + 86400) % 86400, {KeyValues}, {sums} FROM ledger_records GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
                """;
        }

        return sql;
    }
}
