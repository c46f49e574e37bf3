using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Tollgate.Ledger;

namespace Tollgate.Sqlite.Ledger;

/// <summary>
/// The embedded ledger: one SQLite file in WAL mode. A batch is inserted in one transaction with prepared
/// commands (<c>INSERT OR IGNORE</c> on the record key), and the rollups (keyed by quarter hour, hour or day and a cached dimension-set id) of the newly inserted records are
/// upserted in the same transaction, so reports and records never disagree. The schema is created on first use.
/// </summary>
public sealed class SqliteLedgerStore : ILedgerStore
{
    private readonly SqliteLedgerOptions _options;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private SqliteConnection? _writer;
    private WriteCommands? _commands;

    // Reused by every batch under _writeGate: for a 10,000-record batch both are large-object-heap sized, and
    // allocating them per batch forced full collections of everything the process holds.
    private readonly List<(UsageRecord, long)> _rows = [];
    private readonly RollupDelta _delta = new();
    private readonly DimensionSetCache _dimensionSets = new();

    /// <summary>Batches at least this large sum their rollups on another thread while the rows are inserted.</summary>
    private const int ParallelSumThreshold = 1024;
    private bool _disposed;

    public SqliteLedgerStore(SqliteLedgerOptions? options = null)
    {
        _options = options ?? new SqliteLedgerOptions();
        _options.Validate();
        var path = System.IO.Path.GetFullPath(_options.Path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)_options.BusyTimeout.TotalSeconds,
        }.ToString();
    }

    public SqliteLedgerStore(string path)
        : this(new SqliteLedgerOptions { Path = path })
    {
    }

    public async ValueTask<LedgerAppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        LedgerRecordValidator.ValidateBatch(records);
        if (records.Count == 0)
        {
            return default;
        }

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var connection = await EnsureWriterAsync(cancellationToken);
            var commands = _commands!;
            commands.BeginBatch();
            var delta = _delta;
            delta.Clear();
            using (var transaction = connection.BeginTransaction(deferred: false))
            {
                commands.Enlist(transaction);
                var (rows, expired) = Live(records, commands.ReadRetentionCutoff(), _rows);
                cancellationToken.ThrowIfCancellationRequested();

                // The rollup sums need only the records: for a large batch they are added up on another core while
                // this thread inserts (SQLite writes are single-threaded; summing is ~10 % of a batch). Used only when
                // every row turns out new; otherwise the exact path below recomputes them.
                var summing = rows.Count >= ParallelSumThreshold ? Task.Run(() => Sum(delta, rows), CancellationToken.None) : null;
                int inserted;
                try
                {
                    inserted = commands.InsertAll(rows);
                }
                finally
                {
                    // Also when the insert failed: the next batch clears the same delta.
                    if (summing is not null)
                    {
                        await summing;
                    }
                }

                if (inserted == rows.Count)
                {
                    if (summing is null)
                    {
                        Sum(delta, rows);
                    }

                    commands.UpsertRollups(delta);
                    transaction.Commit();
                    commands.AcceptDims();
                    return new LedgerAppendResult(inserted, 0, expired);
                }

                if (inserted == 0)
                {
                    // Nothing new at all (a whole batch sent again): nothing to roll up.
                    transaction.Commit();
                    return new LedgerAppendResult(0, rows.Count, expired);
                }

                delta.Clear();

                // Some keys were already stored (a re-send) or repeated in the batch: start again one row at a time,
                // which tells exactly which rows are new. Rare, so the common path pays nothing to find out.
                transaction.Rollback();
            }

            using (var transaction = connection.BeginTransaction(deferred: false))
            {
                commands.Enlist(transaction);
                var (rows, expired) = Live(records, commands.ReadRetentionCutoff(), _rows);
                var inserted = commands.InsertEach(rows, delta);
                commands.UpsertRollups(delta);
                transaction.Commit();
                commands.AcceptDims();
                return new LedgerAppendResult(inserted, rows.Count - inserted, expired);
            }
        }
        finally
        {
            _rows.Clear(); // holds no caller's records between batches
            _writeGate.Release();
        }
    }

    private static void Sum(RollupDelta delta, List<(UsageRecord Record, long Ts)> rows)
    {
        foreach (var (record, _) in rows)
        {
            delta.Add(record);
        }
    }

    /// <summary>The records at or after the retention cutoff (with their timestamps in unix microseconds), and how many were older.</summary>
    private static (List<(UsageRecord, long)> Rows, int Expired) Live(IReadOnlyList<UsageRecord> records, long? cutoff, List<(UsageRecord, long)> rows)
    {
        rows.Clear();
        foreach (var record in records)
        {
            var ts = LedgerColumns.ToUnixMicros(record.Timestamp);
            if (cutoff is null || ts >= cutoff)
            {
                rows.Add((record, ts));
            }
        }

        return (rows, records.Count - rows.Count);
    }

    public async ValueTask<LedgerReport> QueryAsync(LedgerQuery query, CancellationToken cancellationToken = default)
    {
        LedgerReportBuilder.Validate(query);
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var f = query.Filter;
        RollupQuerySql sql;
        if (f.SessionId is null)
        {
            var (first, last) = f.From is null || f.To is null ? await ExtentAsync(connection, cancellationToken) : (null, null);
            sql = RollupQuerySql.For(query, RollupPlan.For(query, first, last, signed: true), Raw, dimsJoin: "CROSS JOIN");
        }
        else
        {
            // Sessions are small and not a rollup dimension: sum the session's own (indexed) records.
            sql = RollupQuerySql.ForSession(query, Raw, f.From is { } a ? LedgerColumns.FromBoundMicros(a) : null, f.To is { } b ? LedgerColumns.ToBoundMicros(b) : null);
        }

        command.CommandText = sql.Text;
        foreach (var (name, value) in sql.Parameters)
        {
            command.Parameters.AddWithValue("@" + name, value);
        }

        var rows = new List<RollupRow>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.IsDBNull(2) || reader.GetInt64(2) == 0)
                {
                    continue;
                }

                rows.Add(new RollupRow(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), LedgerColumns.ReadMetrics(reader, 2)));
            }
        }

        return LedgerReportBuilder.Build(query, rows);
    }

    private static readonly RawRecordSql Raw = new(SqliteLedgerSchema.RawSums(), "(ts / 1000000)", micros => micros,
        key => $"json_extract(tags, '$.\"' || {key} || '\"')", "((ts - (((ts % 86400000000) + 86400000000) % 86400000000)) / 1000000)",
        text => $"instr(tags, {text}) > 0");

    /// <summary>The first and last quarter hour in the rollups (null when empty): bounds a report with an open end.</summary>
    private static async ValueTask<(long?, long?)> ExtentAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT MIN(quarter) FROM ledger_rollup_quarter), (SELECT MAX(quarter) FROM ledger_rollup_quarter)";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1));
    }



    public async ValueTask<IReadOnlyList<LatencyRollupRow>> LatencyRollupsAsync(LedgerFilter filter, bool allDimensions = false, CancellationToken cancellationToken = default)
    {
        LatencyRollups.Validate(filter);
        return await ReadLatencyAsync(filter, plan => LatencyQuerySql.For(filter, plan, LatencyRollups.Wide(filter, allDimensions), Raw), cancellationToken);
    }

    public async ValueTask<IReadOnlyList<string>> TagKeysAsync(LedgerFilter filter, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await OpenReaderAsync(cancellationToken);
        return await RollupQuerySql.ReadTagKeysAsync(filter, (text, parameters, _) => Rows(connection, text, parameters), cancellationToken);
    }

    public async ValueTask<IReadOnlyList<LatencyRollupRow>> TagLatencyRollupsAsync(LedgerFilter filter, string tagKey, string? tagValue = null, CancellationToken cancellationToken = default)
    {
        LatencyRollups.ValidateTag(filter, tagKey);
        return await ReadLatencyAsync(filter, plan => LatencyQuerySql.ForTag(filter, plan, tagKey, tagValue, Raw, lateral: false), cancellationToken);
    }

    private async ValueTask<IReadOnlyList<LatencyRollupRow>> ReadLatencyAsync(LedgerFilter filter, Func<RollupPlan, LatencyQuerySql> query, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await OpenReaderAsync(cancellationToken);
        var (first, last) = filter.From is null || filter.To is null ? await ExtentAsync(connection, cancellationToken) : (null, null);
        var sql = query(LatencyRollups.Plan(filter, first, last));
        return await sql.ReadAsync((text, parameters, _) => Rows(connection, text, parameters), _dimensionSets, cancellationToken);
    }

    /// <summary>A rollup statement's rows, stepped on <paramref name="connection"/>'s own handle.</summary>
    private static ValueTask<ILatencyRows> Rows(SqliteConnection connection, string text, List<(string Name, object Value)> parameters) =>
        ValueTask.FromResult<ILatencyRows>(new SqliteLatencyRows(connection, text, parameters));

    /// <summary>
    /// Upgrading: the latency rollups a version before <see cref="SqliteLedgerSchema.WideLatencyVersion"/> (narrow and
    /// wide) or before <see cref="SqliteLedgerSchema.TagLatencyVersion"/> (tag) did not have, summed from the raw records
    /// kept, one UTC day at a time (a range before a retention cutoff then has no latencies, as it has no raw records).
    /// The wide rows are keyed by the dimension sets the wide rollups already hold.
    /// </summary>
    private static async ValueTask FillLatencyAsync(SqliteConnection connection, SqliteTransaction transaction, int from, CancellationToken cancellationToken)
    {
        var (dimensions, tags) = (from < SqliteLedgerSchema.WideLatencyVersion, from < SqliteLedgerSchema.TagLatencyVersion);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var dims = new Dictionary<RollupDims, long>();
        command.CommandText = $"SELECT id, {RollupDims.Columns} FROM ledger_dims";
        await using (var rows = new DataReaderLatencyRows(await command.ExecuteReaderAsync(cancellationToken)))
        {
            while (dimensions && await rows.ReadAsync(cancellationToken))
            {
                dims[RollupDims.Of(LatencyQuerySql.KeyOf(rows, 0))] = rows.GetInt64(0);
            }
        }

        string[] tables = [.. (dimensions ? new[] { LatencyQuerySql.Quarter, LatencyQuerySql.Daily, LatencyQuerySql.WideQuarter, LatencyQuerySql.WideDaily } : []),
            .. (tags ? new[] { LatencyQuerySql.TagQuarter, LatencyQuerySql.TagDaily } : [])];
        command.CommandText = string.Concat(tables.Select(t => $"DELETE FROM {t}; ")) + "SELECT MIN(ts), MAX(ts) FROM ledger_records";
        long? first = null, last = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0))
            {
                (first, last) = (reader.GetInt64(0), reader.GetInt64(1));
            }
        }

        if (first is null)
        {
            return;
        }

        const long DayMicros = 86_400_000_000;
        const string Quarter = "(ts - (((ts % 900000000) + 900000000) % 900000000)) / 1000000";
        const string Buckets = "CASE WHEN success THEN latency_ms ELSE -1 END, COUNT(*), SUM(CASE WHEN cache_read_tokens > 0 OR cache_write_tokens > 0 THEN 1 ELSE 0 END)";
        command.CommandText = $"""
            SELECT {Quarter}, provider, model, coalesce(api_flavor, ''), coalesce(tenant, ''), coalesce(project, ''), coalesce(user_id, ''), coalesce(key_id, ''), {Buckets}
            FROM ledger_records WHERE ts >= $a AND ts < $b GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
            """;
        var range = (From: command.Parameters.Add("$a", SqliteType.Integer), To: command.Parameters.Add("$b", SqliteType.Integer));
        await using var byTag = connection.CreateCommand();
        byTag.Transaction = transaction;
        // The tag key and value go in the user and key columns of a key (see AddRaw), the narrow dimensions as they are.
        byTag.CommandText = $"""
            SELECT {Quarter}, provider, model, coalesce(api_flavor, ''), coalesce(tenant, ''), '', j.key, j.value, {Buckets}
            FROM ledger_records, json_each(ledger_records.tags) j WHERE tags IS NOT NULL AND ts >= $a AND ts < $b GROUP BY 1, 2, 3, 4, 5, 7, 8, 9
            """;
        var tagRange = (From: byTag.Parameters.Add("$a", SqliteType.Integer), To: byTag.Parameters.Add("$b", SqliteType.Integer));
        await using var quarter = Upsert(SqliteLedgerSchema.UpsertLatency(LatencyQuerySql.Quarter, "quarter"));
        await using var daily = Upsert(SqliteLedgerSchema.UpsertLatency(LatencyQuerySql.Daily, "day"));
        await using var wideQuarter = Upsert(SqliteLedgerSchema.UpsertWideLatency(LatencyQuerySql.WideQuarter, "quarter"));
        await using var wideDaily = Upsert(SqliteLedgerSchema.UpsertWideLatency(LatencyQuerySql.WideDaily, "day"));
        await using var tagQuarter = Upsert(SqliteLedgerSchema.UpsertTagLatency(LatencyQuerySql.TagQuarter, "quarter"));
        await using var tagDaily = Upsert(SqliteLedgerSchema.UpsertTagLatency(LatencyQuerySql.TagDaily, "day"));
        for (var day = LedgerReportBuilder.Floor(first.Value, DayMicros); day <= last; day += DayMicros)
        {
            if (dimensions)
            {
                var cells = await CellsAsync(command, range, day);
                var narrow = LatencyRollups.Narrow(cells);
                await UpsertAsync(quarter, narrow.Select(c => Values(c.Key, c.Value, wide: false)));
                await UpsertAsync(daily, LatencyRollups.Daily(narrow, narrow: true).Select(c => Values(c.Key, c.Value, wide: false)));
                await UpsertAsync(wideQuarter, cells.Select(c => Values(c.Key, c.Value, wide: true)));
                await UpsertAsync(wideDaily, LatencyRollups.Daily(cells, narrow: false).Select(c => Values(c.Key, c.Value, wide: true)));
            }

            if (tags)
            {
                var cells = (await CellsAsync(byTag, tagRange, day)).ToDictionary(
                    c => new TagRollupKey(c.Key.Time, c.Key.User, c.Key.KeyId, c.Key.Provider, c.Key.Model, c.Key.ApiFlavor, c.Key.Tenant), c => c.Value);
                await UpsertAsync(tagQuarter, cells.Select(c => TagValues(c.Key, c.Value)));
                await UpsertAsync(tagDaily, LatencyRollups.Daily(cells).Select(c => TagValues(c.Key, c.Value)));
            }
        }

        async ValueTask<Dictionary<RollupKey, LatencyCell>> CellsAsync(SqliteCommand select, (SqliteParameter From, SqliteParameter To) bounds, long day)
        {
            var cells = new Dictionary<RollupKey, LatencyCell>();
            (bounds.From.Value, bounds.To.Value) = (day, day + DayMicros);
            await using var rows = new DataReaderLatencyRows(await select.ExecuteReaderAsync(cancellationToken));
            while (await rows.ReadAsync(cancellationToken))
            {
                LatencyQuerySql.AddRaw(cells, LatencyQuerySql.KeyOf(rows, rows.GetInt64(0)), rows.GetInt64(8), rows.GetInt64(9), rows.GetInt64(10));
            }

            return cells;
        }

        object[] Values(in RollupKey key, LatencyCell cell, bool wide) => wide
            ? [key.Time, dims[RollupDims.Of(key)], cell.CacheCalls, cell.Histogram.Encode()]
            : [key.Time, key.Provider, key.Model, key.ApiFlavor, key.Tenant, cell.CacheCalls, cell.Histogram.Encode()];

        static object[] TagValues(in TagRollupKey key, LatencyCell cell) =>
            [key.Key, key.Value, key.Time, key.Provider, key.Model, key.ApiFlavor, key.Tenant, cell.CacheCalls, cell.Histogram.Encode()];

        SqliteCommand Upsert(string sql)
        {
            var upsert = connection.CreateCommand();
            upsert.CommandText = sql;
            upsert.Transaction = transaction;
            return upsert;
        }

        async ValueTask UpsertAsync(SqliteCommand upsert, IEnumerable<object[]> rows)
        {
            foreach (var values in rows)
            {
                upsert.Parameters.Clear();
                for (var i = 0; i < values.Length; i++)
                {
                    upsert.Parameters.AddWithValue("?" + (i + 1).ToString(CultureInfo.InvariantCulture), values[i]);
                }

                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    public async IAsyncEnumerable<UsageRecord> ReadAsync(LedgerFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var parameters = new List<KeyValuePair<string, object>>();
        command.CommandText = $"SELECT {SqliteLedgerSchema.RecordColumns} FROM ledger_records{WhereOf(filter, parameters)} ORDER BY ts, request_id, attempt";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return ReadRecord(reader);
        }
    }

    private static readonly string ScanSql = $"SELECT {LedgerScanDecoder.Columns("tags", flag => flag, "ts")} FROM ledger_records";

    public IAsyncEnumerable<UsageRecord> ScanAsync(LedgerFilter filter, CancellationToken cancellationToken = default) => ScanAsync(filter, null, cancellationToken);

    public IAsyncEnumerable<UsageRecord> ScanAsync(LedgerFilter filter, LedgerScanSubset? subset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Scan(filter, subset, cancellationToken);
    }

    private async IAsyncEnumerable<UsageRecord> Scan(LedgerFilter filter, LedgerScanSubset? subset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await OpenReaderAsync(cancellationToken);
        var parameters = new List<KeyValuePair<string, object>>();
        var where = WhereOf(filter, parameters);
        if (subset is not null)
        {
            var narrow = subset.ToSql(SqliteLedgerSchema.Flag, value =>
            {
                var name = $"$s{parameters.Count}";
                parameters.Add(new(name, value));
                return name;
            }, Raw);
            where += (where.Length == 0 ? " WHERE " : " AND ") + narrow;
        }

        // Microsoft.Data.Sqlite's reader costs several times SQLite's own work per column: a scan of millions of rows
        // steps the statement itself.
        using var statement = SqliteScan.Prepare(connection, ScanSql + where, parameters);
        var decoder = new LedgerScanDecoder();
        while (SqliteScan.Next(connection, statement, decoder) is { } record)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }
    }

    /// <summary>The WHERE clause of a raw-record read (empty for no filter), adding its parameters.</summary>
    private static string WhereOf(LedgerFilter filter, List<KeyValuePair<string, object>> parameters)
    {
        var where = new List<string>();
        if (filter.From is { } from)
        {
            where.Add("ts >= $from");
            parameters.Add(new("$from", LedgerColumns.ToUnixMicros(UsageRecord.Normalize(from))));
        }

        if (filter.To is { } to)
        {
            // Exclusive upper bound at microsecond precision: anything strictly before To.
            where.Add("ts < $to");
            parameters.Add(new("$to", LedgerColumns.ToBoundMicros(to)));
        }

        if (filter.SessionId is not null)
        {
            where.Add("session_id = $session");
            parameters.Add(new("$session", filter.SessionId));
        }

        var i = 0;
        foreach (var (column, value) in LedgerColumns.DimensionFilters(filter))
        {
            where.Add($"{column} = $f{i}");
            parameters.Add(new($"$f{i++}", value));
        }

        return where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "";
    }

    public async ValueTask<UsageRecord?> FindAsync(LedgerKey key, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SqliteLedgerSchema.RecordColumns} FROM ledger_records WHERE request_id = $id AND attempt = $attempt";
        command.Parameters.AddWithValue("$id", key.RequestId);
        command.Parameters.AddWithValue("$attempt", key.Attempt);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRecord(reader) : null;
    }

    public async ValueTask<IReadOnlyList<LedgerUsageOutlier>> UsageOutliersAsync(LedgerFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var parameters = new List<KeyValuePair<string, object>>();
        var where = WhereOf(filter, parameters);
        command.CommandText = $"""
            SELECT provider, model, MAX(usage_extra IS NOT NULL), MAX(input_tokens) FROM ledger_records
            {(where.Length == 0 ? " WHERE " : where + " AND ")}{SqliteLedgerSchema.Irregular} AND estimated = 0 AND unpriced = 0
            GROUP BY provider, model
            """;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var outliers = new List<LedgerUsageOutlier>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            outliers.Add(new LedgerUsageOutlier(reader.GetString(0), reader.GetString(1), reader.GetInt64(2) != 0, reader.GetInt64(3)));
        }

        return outliers;
    }

    public async ValueTask<DateTimeOffset?> GetRetentionCutoffAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT CAST(value AS INTEGER) FROM tollgate_meta WHERE key = 'ledger.retention_cutoff'";
        return await command.ExecuteScalarAsync(cancellationToken) is long micros ? LedgerColumns.FromUnixMicros(micros) : null;
    }

    public async ValueTask<long> PurgeRawBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var connection = await EnsureWriterAsync(cancellationToken);
            using var transaction = connection.BeginTransaction(deferred: false);
            var micros = LedgerColumns.ToUnixMicros(UsageRecord.Normalize(cutoff));
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO tollgate_meta (key, value) VALUES ('ledger.retention_cutoff', $c)
                ON CONFLICT (key) DO UPDATE SET value = CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT);
                DELETE FROM ledger_records WHERE ts < $c;
                """;
            command.Parameters.AddWithValue("$c", micros.ToString(CultureInfo.InvariantCulture));
            await command.ExecuteNonQueryAsync(cancellationToken);
            await using var changes = connection.CreateCommand();
            changes.Transaction = transaction;
            changes.CommandText = "SELECT changes()";
            var removed = (long)(await changes.ExecuteScalarAsync(cancellationToken))!;
            transaction.Commit();
            return removed;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _writeGate.WaitAsync();
        try
        {
            _disposed = true;
            _commands?.Dispose();
            if (_writer is not null)
            {
                // Release pooled handles too, so the file can be moved or deleted once the store is gone.
                SqliteConnection.ClearPool(_writer);
                await _writer.DisposeAsync();
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    internal static UsageRecord ReadRecord(SqliteDataReader r) => new()
    {
        RequestId = r.GetString(0),
        Attempt = r.GetInt32(1),
        Timestamp = LedgerColumns.FromUnixMicros(r.GetInt64(2)),
        Provider = r.GetString(3),
        Model = r.GetString(4),
        ApiFlavor = Str(r, 5),
        Tenant = Str(r, 6),
        Project = Str(r, 7),
        User = Str(r, 8),
        KeyId = Str(r, 9),
        SessionId = Str(r, 10),
        Tags = LedgerColumns.DecodeTags(Str(r, 11)),
        Usage = LedgerColumns.DecodeUsage(r.GetInt64(12), r.GetInt64(13), r.GetInt64(14), r.GetInt64(15), r.GetInt64(16), Str(r, 17)),
        Currency = r.GetString(18),
        InputCostNanos = r.GetInt64(19),
        OutputCostNanos = r.GetInt64(20),
        TotalCostNanos = r.GetInt64(21),
        PriceSource = Str(r, 22),
        LatencyMs = r.GetInt64(23),
        Success = r.GetInt64(24) != 0,
        ErrorClass = Str(r, 25),
        Estimated = r.GetInt64(26) != 0,
        Unpriced = r.GetInt64(27) != 0,
        RequestFingerprint = Str(r, 28),
        PrefixFingerprint = Str(r, 29),
        PrefixTokens = r.GetInt64(30),
    };

    private static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_commands is not null)
        {
            return;
        }

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await EnsureWriterAsync(cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async ValueTask<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>Opens the single write connection, applies pragmas and creates the schema. Caller holds the gate.</summary>
    private async ValueTask<SqliteConnection> EnsureWriterAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_writer is not null)
        {
            return _writer;
        }

        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_options.Path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        try
        {
            await using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = $"""
                    PRAGMA journal_mode=WAL;
                    PRAGMA synchronous={(_options.SynchronousFull ? "FULL" : "NORMAL")};
                    PRAGMA busy_timeout={(long)_options.BusyTimeout.TotalMilliseconds};
                    PRAGMA cache_size=-65536;
                    PRAGMA temp_store=MEMORY;
                    """;
                await pragma.ExecuteNonQueryAsync(cancellationToken);
            }

            // The latency rollups' upsert adds histograms; only this (write) connection upserts them.
            connection.CreateFunction<byte[]?, byte[]?, byte[]>(SqliteLedgerSchema.LatencyAdd, LatencyHistogram.Merge, isDeterministic: true);
            using (var transaction = connection.BeginTransaction(deferred: false))
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = SqliteLedgerSchema.CreateMeta;
                await command.ExecuteNonQueryAsync(cancellationToken);
                command.CommandText = "SELECT value FROM tollgate_meta WHERE key = 'ledger.schema_version'";
                int? existing = await command.ExecuteScalarAsync(cancellationToken) is string v ? int.Parse(v, CultureInfo.InvariantCulture) : null;
                if (existing > SqliteLedgerSchema.Version)
                {
                    throw new InvalidOperationException(
                        $"The ledger in {_options.Path} has schema version {existing}; this Tollgate supports up to {SqliteLedgerSchema.Version}. Upgrade Tollgate.");
                }

                // Upgrades run in this transaction: a crash half-way leaves the older ledger as it was.
                var upgradeFrom = existing < SqliteLedgerSchema.Version ? existing : null;
                if (upgradeFrom is { } old and < 3)
                {
                    command.CommandText = SqliteLedgerSchema.SetAsideOldRollups(old);
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                if (upgradeFrom is 8)
                {
                    command.CommandText = SqliteLedgerSchema.DropOldTagRollups;
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                command.CommandText = SqliteLedgerSchema.Create + SqliteLedgerSchema.CreateIrregularIndex;
                await command.ExecuteNonQueryAsync(cancellationToken);
                if (upgradeFrom is { } from)
                {
                    // Each fill the versions since `from` added, in order (later ones sum from earlier ones).
                    (int Before, string Sql)[] fills =
                    [
                        (3, SqliteLedgerSchema.FillFromOldRollups(from)), (4, SqliteLedgerSchema.FillQuarters),
                        (6, SqliteLedgerSchema.FillNarrowQuarters), (7, SqliteLedgerSchema.FillNarrowDaily), (9, SqliteLedgerSchema.FillTags),
                    ];
                    foreach (var (_, sql) in fills.Where(f => from < f.Before))
                    {
                        command.CommandText = sql;
                        await command.ExecuteNonQueryAsync(cancellationToken);
                    }

                    if (from < SqliteLedgerSchema.TagLatencyVersion)
                    {
                        await FillLatencyAsync(connection, transaction, from, cancellationToken);
                    }

                    command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('ledger_records') WHERE name = 'request_fingerprint'";
                    if ((long)(await command.ExecuteScalarAsync(cancellationToken))! == 0)
                    {
                        command.CommandText = SqliteLedgerSchema.AddFingerprints;
                        await command.ExecuteNonQueryAsync(cancellationToken);
                    }
                }

                command.CommandText = "INSERT OR REPLACE INTO tollgate_meta (key, value) VALUES ('ledger.schema_version', $v)";
                command.Parameters.AddWithValue("$v", SqliteLedgerSchema.Version.ToString(CultureInfo.InvariantCulture));
                await command.ExecuteNonQueryAsync(cancellationToken);
                transaction.Commit();
            }

            _commands = new WriteCommands(connection);
            _writer = connection;
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
