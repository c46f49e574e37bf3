using Microsoft.Data.Sqlite;
using Tollgate.Ledger;

namespace Tollgate.Sqlite.Ledger;

/// <summary>The prepared statements of the write connection, with their parameters bound once and reused.</summary>
internal sealed class WriteCommands : IDisposable
{
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter[] _insertParams;
    private readonly SqliteCommand _wide;
    private readonly SqliteParameter[] _wideParams;
    private readonly SqliteCommand _byModel;
    private readonly SqliteParameter[] _byModelParams;
    private readonly SqliteCommand _cutoff;

    public WriteCommands(SqliteConnection connection)
    {
        var columns = SqliteLedgerSchema.RecordColumns.Split(", ");
        (_insert, _insertParams) = Prepare(connection,
            $"INSERT OR IGNORE INTO ledger_records ({SqliteLedgerSchema.RecordColumns}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})",
            columns.Length);
        (_wide, _wideParams) = Prepare(connection, Upsert("ledger_rollup_hourly",
            ["hour", "provider", "model", "api_flavor", "tenant", "project", "user_id", "key_id"]), 8 + LedgerColumns.Metrics.Length);
        (_byModel, _byModelParams) = Prepare(connection, Upsert("ledger_rollup_model_hourly",
            ["hour", "provider", "model", "api_flavor"]), 4 + LedgerColumns.Metrics.Length);
        _cutoff = connection.CreateCommand();
        _cutoff.CommandText = "SELECT CAST(value AS INTEGER) FROM tollgate_meta WHERE key = 'ledger.retention_cutoff'";
    }

    public void Enlist(SqliteTransaction transaction)
    {
        _insert.Transaction = transaction;
        _wide.Transaction = transaction;
        _byModel.Transaction = transaction;
        _cutoff.Transaction = transaction;
    }

    public long? ReadRetentionCutoff() => _cutoff.ExecuteScalar() is long value ? value : null;

    public int Insert(UsageRecord r, long ts)
    {
        var p = _insertParams;
        var u = r.Usage;
        p[0].Value = r.RequestId;
        p[1].Value = r.Attempt;
        p[2].Value = ts;
        p[3].Value = r.Provider;
        p[4].Value = r.Model;
        p[5].Value = Db(r.ApiFlavor);
        p[6].Value = Db(r.Tenant);
        p[7].Value = Db(r.Project);
        p[8].Value = Db(r.User);
        p[9].Value = Db(r.KeyId);
        p[10].Value = Db(r.SessionId);
        p[11].Value = Db(LedgerColumns.EncodeTags(r.Tags));
        p[12].Value = u.InputTokens;
        p[13].Value = u.CacheReadTokens;
        p[14].Value = u.CacheWriteTokens;
        p[15].Value = u.OutputTokens;
        p[16].Value = u.ReasoningTokens;
        p[17].Value = Db(LedgerColumns.EncodeExtraUsage(u));
        p[18].Value = r.Currency;
        p[19].Value = r.InputCostNanos;
        p[20].Value = r.OutputCostNanos;
        p[21].Value = r.TotalCostNanos;
        p[22].Value = Db(r.PriceSource);
        p[23].Value = r.LatencyMs;
        p[24].Value = r.Success ? 1L : 0L;
        p[25].Value = Db(r.ErrorClass);
        p[26].Value = r.Estimated ? 1L : 0L;
        p[27].Value = r.Unpriced ? 1L : 0L;
        return _insert.ExecuteNonQuery();
    }

    public void UpsertRollups(RollupDelta delta)
    {
        foreach (var (k, m) in delta.Wide)
        {
            var p = _wideParams;
            p[0].Value = k.Hour;
            p[1].Value = k.Provider;
            p[2].Value = k.Model;
            p[3].Value = k.ApiFlavor;
            p[4].Value = k.Tenant;
            p[5].Value = k.Project;
            p[6].Value = k.User;
            p[7].Value = k.KeyId;
            SetMetrics(p, 8, m);
            _wide.ExecuteNonQuery();
        }

        foreach (var (k, m) in delta.ByModel)
        {
            var p = _byModelParams;
            p[0].Value = k.Hour;
            p[1].Value = k.Provider;
            p[2].Value = k.Model;
            p[3].Value = k.ApiFlavor;
            SetMetrics(p, 4, m);
            _byModel.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        _insert.Dispose();
        _wide.Dispose();
        _byModel.Dispose();
        _cutoff.Dispose();
    }

    private static void SetMetrics(SqliteParameter[] p, int first, LedgerMetrics m)
    {
        var values = RollupDelta.Values(m);
        for (var i = 0; i < values.Length; i++)
        {
            p[first + i].Value = values[i];
        }
    }

    private static object Db(string? value) => value is null ? DBNull.Value : value;

    private static string Upsert(string table, string[] keys)
    {
        var all = keys.Concat(LedgerColumns.Metrics).ToArray();
        return $"INSERT INTO {table} ({string.Join(", ", all)}) VALUES ({string.Join(", ", all.Select((_, i) => $"$p{i}"))}) " +
               $"ON CONFLICT ({string.Join(", ", keys)}) DO UPDATE SET " +
               string.Join(", ", LedgerColumns.Metrics.Select(m => $"{m} = {m} + excluded.{m}"));
    }

    private static (SqliteCommand, SqliteParameter[]) Prepare(SqliteConnection connection, string sql, int count)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        var parameters = new SqliteParameter[count];
        for (var i = 0; i < count; i++)
        {
            parameters[i] = command.Parameters.Add(new SqliteParameter { ParameterName = $"$p{i}", Value = DBNull.Value });
        }

        command.Prepare();
        return (command, parameters);
    }
}
