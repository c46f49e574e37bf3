using Npgsql;
using NpgsqlTypes;
using Tollgate.Ledger;

namespace Tollgate.PostgreSql.Ledger;

/// <summary>
/// Upserts a batch's rollup deltas (summed in memory, one row per rollup key; the wide rollups keyed by time and
/// dimension-set id) with one statement per rollup table,
/// each sent as arrays and expanded with <c>unnest</c>. Rows are sorted by key in the statement, so concurrent
/// appenders lock rollup rows in the same order and cannot deadlock.
/// </summary>
internal static class RollupArrays
{
    private static readonly string[] ModelKeys = ["provider", "model", "api_flavor"];

    public static readonly string UpsertWide = Upsert("ledger_rollup_hourly", "hour", ["dim_id"], "int4");

    public static readonly string UpsertQuarter = Upsert("ledger_rollup_quarter", "quarter", ["dim_id"], "int4");

    public static readonly string UpsertDaily = Upsert("ledger_rollup_daily", "day", ["dim_id"], "int4");

    public static readonly string UpsertModel = Upsert("ledger_rollup_model_hourly", "hour", ModelKeys, "text");

    private static readonly string[] NarrowKeys = ["provider", "model", "api_flavor", "tenant"];

    public static readonly string UpsertNarrow = Upsert("ledger_rollup_narrow_quarter", "quarter", NarrowKeys, "text");

    public static readonly string UpsertNarrowDaily = Upsert("ledger_rollup_narrow_daily", "day", NarrowKeys, "text");

    public static readonly string UpsertTagQuarter = UpsertTag("ledger_rollup_tag_quarter", "quarter");

    public static readonly string UpsertTagDaily = UpsertTag("ledger_rollup_tag_daily", "day");

    /// <summary>Adds the dimension sets that are not stored yet (sorted, so concurrent appenders take their locks in one order).</summary>
    public static readonly string InsertDims =
        $"INSERT INTO ledger_dims ({RollupDims.Columns}) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) " +
        $"AS u({RollupDims.Columns}) ORDER BY 1, 2, 3, 4, 5, 6, 7 ON CONFLICT DO NOTHING";

    /// <summary>The ids of the dimension sets (run after <see cref="InsertDims"/> committed, so every set is there).</summary>
    public static readonly string SelectDims =
        $"SELECT d.id, {string.Join(", ", RollupDims.Columns.Split(", ").Select(c => "d." + c))} FROM ledger_dims d " +
        $"JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u({RollupDims.Columns}) USING ({RollupDims.Columns})";

    /// <summary>The seven dimension columns of <paramref name="dims"/> as text array parameters of <paramref name="command"/>.</summary>
    public static void AddDims(NpgsqlCommand command, IReadOnlyList<RollupDims> dims)
    {
        var n = dims.Count;
        var columns = new string[7][];
        for (var k = 0; k < columns.Length; k++)
        {
            columns[k] = new string[n];
        }

        for (var i = 0; i < n; i++)
        {
            var d = dims[i];
            columns[0][i] = d.Provider;
            columns[1][i] = d.Model;
            columns[2][i] = d.ApiFlavor;
            columns[3][i] = d.Tenant;
            columns[4][i] = d.Project;
            columns[5][i] = d.User;
            columns[6][i] = d.KeyId;
        }

        foreach (var c in columns)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = c });
        }
    }

    /// <summary>Wide rollup rows: (quarter hour, hour or day, dimension-set id) → sums, upserted by <paramref name="upsert"/> (one of this type's statements).</summary>
    public static NpgsqlBatchCommand Wide(Dictionary<(long Time, int Dim), LedgerMetrics> rows, string upsert)
    {
        var command = new NpgsqlBatchCommand(upsert);
        var n = rows.Count;
        var time = new long[n];
        var dim = new int[n];
        var metrics = NewMetrics(n);
        var i = 0;
        foreach (var (key, m) in rows)
        {
            time[i] = key.Time;
            dim[i] = key.Dim;
            SetMetrics(metrics, i++, m);
        }

        var p = command.Parameters;
        p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = time });
        p.Add(new NpgsqlParameter<int[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, TypedValue = dim });
        AddMetrics(p, metrics);
        return command;
    }

    public static NpgsqlBatchCommand Model(Dictionary<(long Hour, string Provider, string Model, string ApiFlavor), LedgerMetrics> rows) =>
        TextKeyed(UpsertModel, rows.Select(r => (r.Key.Hour, (string[])[r.Key.Provider, r.Key.Model, r.Key.ApiFlavor], r.Value)).ToList(), 3);

    /// <summary>Narrow rollup rows (quarter hour or day × provider, model, api flavour, tenant), upserted by <paramref name="upsert"/>.</summary>
    public static NpgsqlBatchCommand Narrow(Dictionary<(long Quarter, string Provider, string Model, string ApiFlavor, string Tenant), LedgerMetrics> rows, string upsert) =>
        TextKeyed(upsert, rows.Select(r => (r.Key.Quarter, (string[])[r.Key.Provider, r.Key.Model, r.Key.ApiFlavor, r.Key.Tenant], r.Value)).ToList(), 4);

    /// <summary>
    /// Tag rollup rows (tag key, tag value, quarter hour or day, provider, model, api flavour, tenant), upserted by
    /// <paramref name="upsert"/> (<see cref="UpsertTagQuarter"/> or <see cref="UpsertTagDaily"/>, which take the time first).
    /// </summary>
    public static NpgsqlBatchCommand Tags(Dictionary<TagRollupKey, LedgerMetrics> rows, string upsert) =>
        TextKeyed(upsert, rows.Select(r => (r.Key.Time, (string[])[r.Key.Key, r.Key.Value, r.Key.Provider, r.Key.Model, r.Key.ApiFlavor, r.Key.Tenant], r.Value)).ToList(), 6);

    /// <summary>Rollup rows keyed by a time and text columns (the by-model and narrow rollups), as one upsert of arrays.</summary>
    private static NpgsqlBatchCommand TextKeyed(string upsert, List<(long Time, string[] Keys, LedgerMetrics Metrics)> rows, int keyCount)
    {
        var command = new NpgsqlBatchCommand(upsert);
        var n = rows.Count;
        var time = new long[n];
        var keys = new string[keyCount][];
        for (var k = 0; k < keyCount; k++)
        {
            keys[k] = new string[n];
        }

        var metrics = NewMetrics(n);
        for (var i = 0; i < n; i++)
        {
            time[i] = rows[i].Time;
            for (var k = 0; k < keyCount; k++)
            {
                keys[k][i] = rows[i].Keys[k];
            }

            SetMetrics(metrics, i, rows[i].Metrics);
        }

        var p = command.Parameters;
        p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = time });
        foreach (var k in keys)
        {
            p.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = k });
        }

        AddMetrics(p, metrics);
        return command;
    }

    private static long[][] NewMetrics(int n)
    {
        var metrics = new long[LedgerColumns.Metrics.Length][];
        for (var k = 0; k < metrics.Length; k++)
        {
            metrics[k] = new long[n];
        }

        return metrics;
    }

    private static void SetMetrics(long[][] a, int i, LedgerMetrics m)
    {
        a[0][i] = m.Requests;
        a[1][i] = m.InputTokens;
        a[2][i] = m.CacheReadTokens;
        a[3][i] = m.CacheWriteTokens;
        a[4][i] = m.OutputTokens;
        a[5][i] = m.ReasoningTokens;
        a[6][i] = m.CostNanos;
        a[7][i] = m.InputCostNanos;
        a[8][i] = m.OutputCostNanos;
        a[9][i] = m.Errors;
        a[10][i] = m.Estimated;
        a[11][i] = m.Unpriced;
        a[12][i] = m.LatencyMsSum;
    }

    private static void AddMetrics(NpgsqlParameterCollection p, long[][] metrics)
    {
        foreach (var m in metrics)
        {
            p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = m });
        }
    }

    /// <summary>
    /// The upsert of a tag rollup: parameters as <see cref="TextKeyed"/> sends them (time, then the six text keys), rows
    /// sorted in the table's key order (tag key, tag value, time, dimensions), as the exact path's statement sorts them.
    /// </summary>
    private static string UpsertTag(string table, string time)
    {
        string[] texts = ["tag_key", "tag_value", "provider", "model", "api_flavor", "tenant"];
        var all = new[] { time }.Concat(texts).Concat(LedgerColumns.Metrics).ToArray();
        var unnest = "unnest(" + string.Join(", ", all.Select((_, i) => $"${i + 1}::{(i is > 0 and <= 6 ? "text" : "int8")}[]")) + ")";
        string[] key = ["tag_key", "tag_value", time, "provider", "model", "api_flavor", "tenant"];
        var sortList = string.Join(", ", key.Select(k => k == time ? k : $"{k} COLLATE \"C\""));
        return $"INSERT INTO {table} AS r ({string.Join(", ", all)}) " +
               $"SELECT * FROM {unnest} AS d({string.Join(", ", all)}) ORDER BY {sortList} " +
               $"ON CONFLICT ({string.Join(", ", key)}) DO UPDATE SET " +
               string.Join(", ", LedgerColumns.Metrics.Select(m => $"{m} = r.{m} + excluded.{m}"));
    }

    private static string Upsert(string table, string time, string[] keys, string keyType)
    {
        var keyColumns = new[] { time }.Concat(keys).ToArray();
        var all = keyColumns.Concat(LedgerColumns.Metrics).ToArray();
        var types = all.Select((_, i) => i == 0 || i > keys.Length ? "int8" : keyType).ToArray();
        var unnest = "unnest(" + string.Join(", ", all.Select((_, i) => $"${i + 1}::{types[i]}[]")) + ")";
        var keyList = string.Join(", ", keyColumns);
        // Sorted in the key index's order (text keys are COLLATE "C"), the same order as the exact path's statement.
        var sortList = string.Join(", ", keyColumns.Select((k, i) => i > 0 && keyType == "text" ? $"{k} COLLATE \"C\"" : k));
        return $"INSERT INTO {table} AS r ({string.Join(", ", all)}) " +
               $"SELECT * FROM {unnest} AS d({string.Join(", ", all)}) ORDER BY {sortList} " +
               $"ON CONFLICT ({keyList}) DO UPDATE SET " +
               string.Join(", ", LedgerColumns.Metrics.Select(m => $"{m} = r.{m} + excluded.{m}"));
    }
}
