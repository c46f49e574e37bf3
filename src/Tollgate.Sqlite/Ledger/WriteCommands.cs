using Microsoft.Data.Sqlite;
using Tollgate.Ledger;

namespace Tollgate.Sqlite.Ledger;

/// <summary>The prepared statements of the write connection, prepared once and reused for every batch.</summary>
internal sealed class WriteCommands : IDisposable
{
    private readonly RawStatement _insert;
    private readonly RawStatement _wide;
    private readonly RawStatement _byModel;
    private readonly SqliteCommand _cutoff;

    public WriteCommands(SqliteConnection connection)
    {
        var columns = SqliteLedgerSchema.RecordColumns.Split(", ");
        _insert = new RawStatement(connection,
            $"INSERT OR IGNORE INTO ledger_records ({SqliteLedgerSchema.RecordColumns}) VALUES ({string.Join(", ", columns.Select((_, i) => $"?{i + 1}"))})");
        _wide = new RawStatement(connection, Upsert("ledger_rollup_hourly", ["hour", "provider", "model", "api_flavor", "tenant", "project", "user_id", "key_id"]));
        _byModel = new RawStatement(connection, Upsert("ledger_rollup_model_hourly", ["hour", "provider", "model", "api_flavor"]));
        _cutoff = connection.CreateCommand();
        _cutoff.CommandText = "SELECT CAST(value AS INTEGER) FROM tollgate_meta WHERE key = 'ledger.retention_cutoff'";
    }

    public void Enlist(SqliteTransaction transaction) => _cutoff.Transaction = transaction;

    public long? ReadRetentionCutoff() => _cutoff.ExecuteScalar() is long value ? value : null;

    public int Insert(UsageRecord r, long ts)
    {
        var s = _insert;
        var u = r.Usage;
        s.Bind(1, r.RequestId);
        s.Bind(2, r.Attempt);
        s.Bind(3, ts);
        s.Bind(4, r.Provider);
        s.Bind(5, r.Model);
        s.Bind(6, r.ApiFlavor);
        s.Bind(7, r.Tenant);
        s.Bind(8, r.Project);
        s.Bind(9, r.User);
        s.Bind(10, r.KeyId);
        s.Bind(11, r.SessionId);
        s.Bind(12, LedgerColumns.EncodeTags(r.Tags));
        s.Bind(13, u.InputTokens);
        s.Bind(14, u.CacheReadTokens);
        s.Bind(15, u.CacheWriteTokens);
        s.Bind(16, u.OutputTokens);
        s.Bind(17, u.ReasoningTokens);
        s.Bind(18, LedgerColumns.EncodeExtraUsage(u));
        s.Bind(19, r.Currency);
        s.Bind(20, r.InputCostNanos);
        s.Bind(21, r.OutputCostNanos);
        s.Bind(22, r.TotalCostNanos);
        s.Bind(23, r.PriceSource);
        s.Bind(24, r.LatencyMs);
        s.Bind(25, r.Success ? 1L : 0L);
        s.Bind(26, r.ErrorClass);
        s.Bind(27, r.Estimated ? 1L : 0L);
        s.Bind(28, r.Unpriced ? 1L : 0L);
        return s.Execute();
    }

    public void UpsertRollups(RollupDelta delta)
    {
        foreach (var (k, m) in delta.Wide)
        {
            var s = _wide;
            s.Bind(1, k.Hour);
            s.Bind(2, k.Provider);
            s.Bind(3, k.Model);
            s.Bind(4, k.ApiFlavor);
            s.Bind(5, k.Tenant);
            s.Bind(6, k.Project);
            s.Bind(7, k.User);
            s.Bind(8, k.KeyId);
            BindMetrics(s, 9, m);
            s.Execute();
        }

        foreach (var (k, m) in delta.ByModel)
        {
            var s = _byModel;
            s.Bind(1, k.Hour);
            s.Bind(2, k.Provider);
            s.Bind(3, k.Model);
            s.Bind(4, k.ApiFlavor);
            BindMetrics(s, 5, m);
            s.Execute();
        }
    }

    public void Dispose()
    {
        _insert.Dispose();
        _wide.Dispose();
        _byModel.Dispose();
        _cutoff.Dispose();
    }

    private static void BindMetrics(RawStatement s, int first, LedgerMetrics m)
    {
        s.Bind(first, m.Requests);
        s.Bind(first + 1, m.InputTokens);
        s.Bind(first + 2, m.CacheReadTokens);
        s.Bind(first + 3, m.CacheWriteTokens);
        s.Bind(first + 4, m.OutputTokens);
        s.Bind(first + 5, m.ReasoningTokens);
        s.Bind(first + 6, m.CostNanos);
        s.Bind(first + 7, m.InputCostNanos);
        s.Bind(first + 8, m.OutputCostNanos);
        s.Bind(first + 9, m.Errors);
        s.Bind(first + 10, m.Estimated);
        s.Bind(first + 11, m.Unpriced);
        s.Bind(first + 12, m.LatencyMsSum);
    }

    private static string Upsert(string table, string[] keys)
    {
        var all = keys.Concat(LedgerColumns.Metrics).ToArray();
        return $"INSERT INTO {table} ({string.Join(", ", all)}) VALUES ({string.Join(", ", all.Select((_, i) => $"?{i + 1}"))}) " +
               $"ON CONFLICT ({string.Join(", ", keys)}) DO UPDATE SET " +
               string.Join(", ", LedgerColumns.Metrics.Select(m => $"{m} = {m} + excluded.{m}"));
    }
}
