using Npgsql;
using NpgsqlTypes;
using Tollgate.Ledger;

namespace Tollgate.PostgreSql.Ledger;

/// <summary>
/// Upserts a batch's rollup deltas (summed in memory, one row per rollup key) with one statement per rollup table,
/// each sent as arrays and expanded with <c>unnest</c>. Rows are sorted by key in the statement, so concurrent
/// appenders lock rollup rows in the same order and cannot deadlock.
/// </summary>
internal static class RollupArrays
{
    private static readonly string[] WideKeys = ["provider", "model", "api_flavor", "tenant", "project", "user_id", "key_id"];
    private static readonly string[] ModelKeys = ["provider", "model", "api_flavor"];

    public static readonly string UpsertWide = Upsert("ledger_rollup_hourly", "hour", WideKeys);

    public static readonly string UpsertDaily = Upsert("ledger_rollup_daily", "day", WideKeys);

    public static readonly string UpsertModel = Upsert("ledger_rollup_model_hourly", "hour", ModelKeys);

    public static NpgsqlBatchCommand Wide(Dictionary<RollupKey, LedgerMetrics> rows, bool daily)
    {
        var command = new NpgsqlBatchCommand(daily ? UpsertDaily : UpsertWide);
        var n = rows.Count;
        var time = new long[n];
        var keys = new string[WideKeys.Length][];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = new string[n];
        }

        var metrics = NewMetrics(n);
        var i = 0;
        foreach (var (key, m) in rows)
        {
            time[i] = key.Hour;
            keys[0][i] = key.Provider;
            keys[1][i] = key.Model;
            keys[2][i] = key.ApiFlavor;
            keys[3][i] = key.Tenant;
            keys[4][i] = key.Project;
            keys[5][i] = key.User;
            keys[6][i] = key.KeyId;
            SetMetrics(metrics, i++, m);
        }

        AddParameters(command, time, keys, metrics);
        return command;
    }

    public static NpgsqlBatchCommand Model(Dictionary<(long Hour, string Provider, string Model, string ApiFlavor), LedgerMetrics> rows)
    {
        var command = new NpgsqlBatchCommand(UpsertModel);
        var n = rows.Count;
        var time = new long[n];
        string[][] keys = [new string[n], new string[n], new string[n]];
        var metrics = NewMetrics(n);
        var i = 0;
        foreach (var (key, m) in rows)
        {
            time[i] = key.Hour;
            keys[0][i] = key.Provider;
            keys[1][i] = key.Model;
            keys[2][i] = key.ApiFlavor;
            SetMetrics(metrics, i++, m);
        }

        AddParameters(command, time, keys, metrics);
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

    private static void AddParameters(NpgsqlBatchCommand command, long[] time, string[][] keys, long[][] metrics)
    {
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = time });
        foreach (var k in keys)
        {
            p.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = k });
        }

        foreach (var m in metrics)
        {
            p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = m });
        }
    }

    private static string Upsert(string table, string time, string[] keys)
    {
        var keyColumns = new[] { time }.Concat(keys).ToArray();
        var all = keyColumns.Concat(LedgerColumns.Metrics).ToArray();
        var types = all.Select((_, i) => i == 0 || i > keys.Length ? "int8" : "text").ToArray();
        var unnest = "unnest(" + string.Join(", ", all.Select((_, i) => $"${i + 1}::{types[i]}[]")) + ")";
        var keyList = string.Join(", ", keyColumns);
        return $"INSERT INTO {table} AS r ({string.Join(", ", all)}) " +
               $"SELECT * FROM {unnest} AS d({string.Join(", ", all)}) ORDER BY {keyList} " +
               $"ON CONFLICT ({keyList}) DO UPDATE SET " +
               string.Join(", ", LedgerColumns.Metrics.Select(m => $"{m} = r.{m} + excluded.{m}"));
    }
}
