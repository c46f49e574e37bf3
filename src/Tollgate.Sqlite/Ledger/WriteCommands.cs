using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Tollgate.Ledger;

namespace Tollgate.Sqlite.Ledger;

/// <summary>
/// The prepared statements of the write connection, prepared once and reused for every batch. Records go in with
/// multi-row <c>INSERT OR IGNORE</c> statements (<see cref="InsertAll"/>); when every row was new (the normal case)
/// the batch's rollup deltas are all its rows. Otherwise the caller rolls back and re-inserts one row per statement
/// (<see cref="InsertEach"/>), where <c>changes()</c> says exactly which rows were new. Rollup deltas are summed in
/// memory and upserted once per rollup key, in the same transaction. (Summing in SQL with GROUP BY over the new
/// rows measured twice as slow.) The wide rollups are keyed by (quarter hour, hour or day, dimension-set id): ids are cached for the
/// connection's lifetime; a set seen for the first time is added to <c>ledger_dims</c> in the batch's transaction and
/// enters the cache only once that transaction has committed (<see cref="AcceptDims"/>).
/// </summary>
internal sealed class WriteCommands : IDisposable
{
    private const int RowsPerStatement = 32;
    private const int Columns = 31;

    private readonly Utf8Arena _arena = new();
    private readonly RawStatement _insertMany;
    private readonly RawStatement _insertOne;
    private readonly RawStatement _wide;
    private readonly RawStatement _quarter;
    private readonly RawStatement _byModel;
    private readonly RawStatement _narrow;
    private readonly RawStatement _narrowDaily;
    private readonly RawStatement _tagQuarter;
    private readonly RawStatement _tagDaily;
    private readonly RawStatement _daily;
    private readonly RawStatement _latencyQuarter;
    private readonly RawStatement _latencyDaily;
    private readonly RawStatement _wideLatencyQuarter;
    private readonly RawStatement _wideLatencyDaily;
    private readonly RawStatement _tagLatencyQuarter;
    private readonly RawStatement _tagLatencyDaily;
    private readonly RawStatement _dim;
    private readonly SqliteCommand _cutoff;
    private readonly Dictionary<RollupDims, long> _dims = [];
    private readonly Dictionary<RollupDims, long> _newDims = [];
    private readonly Dictionary<(long Day, long Dim), LedgerMetrics> _dailySums = [];
    private readonly Dictionary<(long Hour, long Dim), LedgerMetrics> _hourlySums = [];

    public WriteCommands(SqliteConnection connection)
    {
        _insertMany = new RawStatement(connection, InsertSql(RowsPerStatement), _arena);
        _insertOne = new RawStatement(connection, InsertSql(1), _arena);
        _wide = new RawStatement(connection, Upsert("ledger_rollup_hourly", ["hour", "dim_id"]), _arena);
        _quarter = new RawStatement(connection, Upsert("ledger_rollup_quarter", ["quarter", "dim_id"]), _arena);
        _byModel = new RawStatement(connection, Upsert("ledger_rollup_model_hourly", ["hour", "provider", "model", "api_flavor"]), _arena);
        _narrow = new RawStatement(connection, Upsert("ledger_rollup_narrow_quarter", ["quarter", "provider", "model", "api_flavor", "tenant"]), _arena);
        _narrowDaily = new RawStatement(connection, Upsert("ledger_rollup_narrow_daily", ["day", "provider", "model", "api_flavor", "tenant"]), _arena);
        _tagQuarter = new RawStatement(connection, Upsert("ledger_rollup_tag_quarter", ["tag_key", "tag_value", "quarter", "provider", "model", "api_flavor", "tenant"]), _arena);
        _tagDaily = new RawStatement(connection, Upsert("ledger_rollup_tag_daily", ["tag_key", "tag_value", "day", "provider", "model", "api_flavor", "tenant"]), _arena);
        _daily = new RawStatement(connection, Upsert("ledger_rollup_daily", ["day", "dim_id"]), _arena);
        _latencyQuarter = new RawStatement(connection, SqliteLedgerSchema.UpsertLatency(LatencyQuerySql.Quarter, "quarter"), _arena);
        _latencyDaily = new RawStatement(connection, SqliteLedgerSchema.UpsertLatency(LatencyQuerySql.Daily, "day"), _arena);
        _wideLatencyQuarter = new RawStatement(connection, SqliteLedgerSchema.UpsertWideLatency(LatencyQuerySql.WideQuarter, "quarter"), _arena);
        _wideLatencyDaily = new RawStatement(connection, SqliteLedgerSchema.UpsertWideLatency(LatencyQuerySql.WideDaily, "day"), _arena);
        _tagLatencyQuarter = new RawStatement(connection, SqliteLedgerSchema.UpsertTagLatency(LatencyQuerySql.TagQuarter, "quarter"), _arena);
        _tagLatencyDaily = new RawStatement(connection, SqliteLedgerSchema.UpsertTagLatency(LatencyQuerySql.TagDaily, "day"), _arena);
        // DO UPDATE (not NOTHING) so RETURNING yields the id also when another process added the set first.
        _dim = new RawStatement(
            connection,
            $"INSERT INTO ledger_dims ({RollupDims.Columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) " +
            $"ON CONFLICT ({RollupDims.Columns}) DO UPDATE SET provider = excluded.provider RETURNING id",
            _arena);
        _cutoff = connection.CreateCommand();
        _cutoff.CommandText = "SELECT CAST(value AS INTEGER) FROM tollgate_meta WHERE key = 'ledger.retention_cutoff'";
    }

    public void Enlist(SqliteTransaction transaction) => _cutoff.Transaction = transaction;

    public long? ReadRetentionCutoff() => _cutoff.ExecuteScalar() is long value ? value : null;

    /// <summary>Starts a batch: strings bound for earlier batches are no longer valid.</summary>
    public void BeginBatch()
    {
        _arena.Reset();
        _newDims.Clear();
    }

    /// <summary>After the batch's transaction committed: the dimension sets it added are now stored, so cacheable.</summary>
    public void AcceptDims()
    {
        foreach (var (dims, id) in _newDims)
        {
            _dims[dims] = id;
        }

        _newDims.Clear();
    }

    /// <summary>Inserts the records (new keys only) and returns how many were inserted.</summary>
    public int InsertAll(List<(UsageRecord Record, long Ts)> rows)
    {
        var inserted = 0;
        var i = 0;
        for (; i + RowsPerStatement <= rows.Count; i += RowsPerStatement)
        {
            for (var j = 0; j < RowsPerStatement; j++)
            {
                Bind(_insertMany, j * Columns, rows[i + j].Record, rows[i + j].Ts);
            }

            inserted += _insertMany.Execute();
        }

        for (; i < rows.Count; i++)
        {
            Bind(_insertOne, 0, rows[i].Record, rows[i].Ts);
            inserted += _insertOne.Execute();
        }

        return inserted;
    }

    /// <summary>Inserts the records one statement each, adding exactly the newly inserted ones to <paramref name="delta"/>.</summary>
    public int InsertEach(List<(UsageRecord Record, long Ts)> rows, RollupDelta delta)
    {
        var inserted = 0;
        foreach (var (record, ts) in rows)
        {
            Bind(_insertOne, 0, record, ts);
            if (_insertOne.Execute() > 0)
            {
                inserted++;
                delta.Add(record);
            }
        }

        return inserted;
    }

    public void UpsertRollups(RollupDelta delta)
    {
        _dailySums.Clear();
        _hourlySums.Clear();
        foreach (var (k, m) in delta.Wide)
        {
            var id = DimId(RollupDims.Of(k));
            Upsert(_quarter, k.Time, id, m);
            ref var hour = ref CollectionsMarshal.GetValueRefOrAddDefault(_hourlySums, (LedgerReportBuilder.HourStartOf(k.Time), id), out _);
            hour += m;
            ref var day = ref CollectionsMarshal.GetValueRefOrAddDefault(_dailySums, (LedgerReportBuilder.DayOf(k.Time), id), out _);
            day += m;
        }

        foreach (var ((hour, id), m) in _hourlySums)
        {
            Upsert(_wide, hour, id, m);
        }

        foreach (var ((day, id), m) in _dailySums)
        {
            Upsert(_daily, day, id, m);
        }

        foreach (var (k, m) in delta.ByModel())
        {
            var s = _byModel;
            s.Bind(1, k.Hour);
            s.Bind(2, k.Provider);
            s.Bind(3, k.Model);
            s.Bind(4, k.ApiFlavor);
            BindMetrics(s, 5, m);
            s.Execute();
        }

        var narrow = delta.Narrow();
        UpsertNarrow(_narrow, narrow);
        UpsertNarrow(_narrowDaily, RollupDelta.NarrowDaily(narrow));
        UpsertTags(_tagQuarter, delta.Tags);
        UpsertTags(_tagDaily, delta.TagsDaily());
        var narrowLatency = LatencyRollups.Narrow(delta.Latency);
        UpsertLatency(_latencyQuarter, narrowLatency);
        UpsertLatency(_latencyDaily, LatencyRollups.Daily(narrowLatency, narrow: true));
        UpsertWideLatency(_wideLatencyQuarter, delta.Latency);
        UpsertWideLatency(_wideLatencyDaily, LatencyRollups.Daily(delta.Latency, narrow: false));
        UpsertTagLatency(_tagLatencyQuarter, delta.TagLatency);
        UpsertTagLatency(_tagLatencyDaily, LatencyRollups.Daily(delta.TagLatency));
    }

    /// <summary>Upserts tag latency rollup rows, keyed like the tag rollups.</summary>
    private static void UpsertTagLatency(RawStatement s, Dictionary<TagRollupKey, LatencyCell> rows)
    {
        foreach (var (k, cell) in rows)
        {
            BindTagKey(s, k);
            s.Bind(8, cell.CacheCalls);
            s.Bind(9, cell.Histogram.Encode());
            s.Execute();
        }
    }

    /// <summary>Upserts narrow latency rollup rows: a few per (quarter hour or day, narrow dimensions) of the batch, however many calls.</summary>
    private static void UpsertLatency(RawStatement s, Dictionary<RollupKey, LatencyCell> rows)
    {
        foreach (var (k, cell) in rows)
        {
            s.Bind(1, k.Time);
            BindNarrow(s, 2, k.Provider, k.Model, k.ApiFlavor, k.Tenant);
            s.Bind(6, cell.CacheCalls);
            s.Bind(7, cell.Histogram.Encode());
            s.Execute();
        }
    }

    /// <summary>Upserts wide latency rollup rows, keyed by (quarter hour or day, dimension-set id).</summary>
    private void UpsertWideLatency(RawStatement s, Dictionary<RollupKey, LatencyCell> rows)
    {
        foreach (var (k, cell) in rows)
        {
            s.Bind(1, k.Time);
            s.Bind(2, DimId(RollupDims.Of(k)));
            s.Bind(3, cell.CacheCalls);
            s.Bind(4, cell.Histogram.Encode());
            s.Execute();
        }
    }

    private static void UpsertTags(RawStatement s, Dictionary<TagRollupKey, LedgerMetrics> rows)
    {
        foreach (var (k, m) in rows)
        {
            BindTagKey(s, k);
            BindMetrics(s, 8, m);
            s.Execute();
        }
    }

    private static void UpsertNarrow(RawStatement s, Dictionary<(long Time, string Provider, string Model, string ApiFlavor, string Tenant), LedgerMetrics> rows)
    {
        foreach (var (k, m) in rows)
        {
            s.Bind(1, k.Time);
            BindNarrow(s, 2, k.Provider, k.Model, k.ApiFlavor, k.Tenant);
            BindMetrics(s, 6, m);
            s.Execute();
        }
    }

    /// <summary>A tag rollup row's key (tag key, tag value, time, narrow dimensions) as parameters 1–7.</summary>
    private static void BindTagKey(RawStatement s, in TagRollupKey k)
    {
        s.Bind(1, k.Key);
        s.Bind(2, k.Value);
        s.Bind(3, k.Time);
        BindNarrow(s, 4, k.Provider, k.Model, k.ApiFlavor, k.Tenant);
    }

    /// <summary>The narrow dimensions every narrow, tag and latency rollup row is keyed by, from parameter <paramref name="first"/> on.</summary>
    private static void BindNarrow(RawStatement s, int first, string provider, string model, string apiFlavor, string tenant)
    {
        s.Bind(first, provider);
        s.Bind(first + 1, model);
        s.Bind(first + 2, apiFlavor);
        s.Bind(first + 3, tenant);
    }

    private long DimId(in RollupDims dims)
    {
        if (_dims.TryGetValue(dims, out var id) || _newDims.TryGetValue(dims, out id))
        {
            return id;
        }

        var s = _dim;
        s.Bind(1, dims.Provider);
        s.Bind(2, dims.Model);
        s.Bind(3, dims.ApiFlavor);
        s.Bind(4, dims.Tenant);
        s.Bind(5, dims.Project);
        s.Bind(6, dims.User);
        s.Bind(7, dims.KeyId);
        id = s.ExecuteScalarInt64();
        _newDims[dims] = id;
        return id;
    }

    private static void Upsert(RawStatement s, long time, long dimId, in LedgerMetrics m)
    {
        s.Bind(1, time);
        s.Bind(2, dimId);
        BindMetrics(s, 3, m);
        s.Execute();
    }

    private static void BindMetrics(RawStatement s, int first, in LedgerMetrics m)
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

    public void Dispose()
    {
        _insertMany.Dispose();
        _insertOne.Dispose();
        _wide.Dispose();
        _quarter.Dispose();
        _byModel.Dispose();
        _narrow.Dispose();
        _narrowDaily.Dispose();
        _tagQuarter.Dispose();
        _tagDaily.Dispose();
        _daily.Dispose();
        _latencyQuarter.Dispose();
        _latencyDaily.Dispose();
        _wideLatencyQuarter.Dispose();
        _wideLatencyDaily.Dispose();
        _tagLatencyQuarter.Dispose();
        _tagLatencyDaily.Dispose();
        _dim.Dispose();
        _cutoff.Dispose();
    }

    private static void Bind(RawStatement s, int offset, UsageRecord r, long ts)
    {
        var u = r.Usage;
        s.Bind(offset + 1, r.RequestId);
        s.Bind(offset + 2, r.Attempt);
        s.Bind(offset + 3, ts);
        s.Bind(offset + 4, r.Provider);
        s.Bind(offset + 5, r.Model);
        s.Bind(offset + 6, r.ApiFlavor);
        s.Bind(offset + 7, r.Tenant);
        s.Bind(offset + 8, r.Project);
        s.Bind(offset + 9, r.User);
        s.Bind(offset + 10, r.KeyId);
        s.Bind(offset + 11, r.SessionId);
        s.Bind(offset + 12, LedgerColumns.EncodeTags(r.Tags));
        s.Bind(offset + 13, u.InputTokens);
        s.Bind(offset + 14, u.CacheReadTokens);
        s.Bind(offset + 15, u.CacheWriteTokens);
        s.Bind(offset + 16, u.OutputTokens);
        s.Bind(offset + 17, u.ReasoningTokens);
        s.Bind(offset + 18, LedgerColumns.EncodeExtraUsage(u));
        s.Bind(offset + 19, r.Currency);
        s.Bind(offset + 20, r.InputCostNanos);
        s.Bind(offset + 21, r.OutputCostNanos);
        s.Bind(offset + 22, r.TotalCostNanos);
        s.Bind(offset + 23, r.PriceSource);
        s.Bind(offset + 24, r.LatencyMs);
        s.Bind(offset + 25, r.Success ? 1L : 0L);
        s.Bind(offset + 26, r.ErrorClass);
        s.Bind(offset + 27, r.Estimated ? 1L : 0L);
        s.Bind(offset + 28, r.Unpriced ? 1L : 0L);
        s.Bind(offset + 29, r.RequestFingerprint);
        s.Bind(offset + 30, r.PrefixFingerprint);
        s.Bind(offset + 31, r.PrefixTokens);
    }

    private static string InsertSql(int rows)
    {
        var values = string.Join(", ", Enumerable.Range(0, rows).Select(r =>
            "(" + string.Join(", ", Enumerable.Range(1, Columns).Select(c => $"?{(r * Columns) + c}")) + ")"));
        return $"INSERT OR IGNORE INTO ledger_records ({SqliteLedgerSchema.RecordColumns}) VALUES {values}";
    }
}
