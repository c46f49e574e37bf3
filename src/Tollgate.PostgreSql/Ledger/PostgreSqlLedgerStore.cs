using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npgsql;
using Tollgate.Ledger;

namespace Tollgate.PostgreSql.Ledger;

/// <summary>
/// The shared ledger in PostgreSQL. A batch is sent as one array per column and inserted with one statement:
/// <c>INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING</c> feeds the rollup upserts, so only newly
/// inserted records count, atomically. Several gateway instances can append concurrently.
/// </summary>
public sealed class PostgreSqlLedgerStore : ILedgerStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);

    // Dimension-set ids, once stored (committed) never changed or removed: safe to cache for the store's lifetime.
    private readonly ConcurrentDictionary<RollupDims, int> _dims = new();
    private readonly DimensionSetCache _dimensionSets = new();
    private volatile bool _schemaReady;

    // Batches since the last one that had no duplicates: while re-sends are arriving, skip the optimistic COPY.
    private int _slowBatches;

    public PostgreSqlLedgerStore(PostgreSqlLedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _dataSource = NpgsqlDataSource.Create(WithoutJit(options.ConnectionString));
    }

    /// <summary>
    /// The ledger's connections run without the server's JIT (unless the connection string sets it): a report's
    /// statement is large but reads few rows, and compiling it cost more than running it (1.2 s of 1.4 s for a month by
    /// day in Asia/Kolkata on a 10 M-record ledger).
    /// </summary>
    private static string WithoutJit(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Options?.Contains("jit", StringComparison.OrdinalIgnoreCase) != true)
        {
            builder.Options = ((builder.Options ?? "") + " -c jit=off").Trim();
        }

        return builder.ConnectionString;
    }

    public PostgreSqlLedgerStore(string connectionString)
        : this(new PostgreSqlLedgerOptions { ConnectionString = connectionString })
    {
    }

    public async ValueTask<LedgerAppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        LedgerRecordValidator.ValidateBatch(records);
        if (records.Count == 0)
        {
            return default;
        }

        await EnsureSchemaAsync(cancellationToken);
        if (Volatile.Read(ref _slowBatches) == 0 && await TryAppendNewAsync(records, cancellationToken) is { } fast)
        {
            return fast;
        }

        // The statement below joins the inserted rows with ledger_dims: every dimension set of the batch needs its id first.
        var dims = new RollupDelta();
        foreach (var r in records)
        {
            dims.Add(r);
        }

        await EnsureDimsAsync(dims, cancellationToken);

        // One statement, so no explicit transaction: it commits (durably) before the reply arrives. A deadlock with another
        // appender aborts it as a whole, so it is simply run again.
        long inserted = 0, expired = 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var append = _dataSource.CreateCommand(PostgreSqlLedgerSchema.Append);
                BatchArrays.AddParameters(append, records);
                await using var reader = await append.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                inserted = reader.GetInt64(0);
                expired = reader.GetInt64(1);
                break;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected && attempt < 5)
            {
                // Nothing was written: the loop runs the statement again.
            }
        }

        var result = new LedgerAppendResult((int)inserted, (int)(records.Count - inserted - expired), (int)expired);
        if (result.Duplicates == 0)
        {
            Volatile.Write(ref _slowBatches, 0);
        }

        return result;
    }

    /// <summary>
    /// The common case, every key new: binary COPY straight into the ledger (PostgreSQL's cheapest way in: no
    /// speculative-insert check per row, multi-row heap inserts and WAL records), rollup deltas summed here and
    /// upserted once per key, all in one transaction. A key already stored (or repeated in the batch) makes the COPY
    /// fail on the primary key; then nothing was written and the caller takes the exact path. Returns null then.
    /// </summary>
    private async ValueTask<LedgerAppendResult?> TryAppendNewAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // FOR SHARE: a concurrent purge (which updates this row) waits until this batch is committed.
        long? cutoff;
        await using (var read = new NpgsqlCommand(
                         "SELECT value FROM tollgate_meta WHERE key = 'ledger.retention_cutoff' FOR SHARE", connection, transaction))
        {
            cutoff = await read.ExecuteScalarAsync(cancellationToken) is string value ? long.Parse(value, CultureInfo.InvariantCulture) : null;
        }

        var delta = new RollupDelta();
        var expired = 0;
        try
        {
            var copy = await connection.BeginRawBinaryCopyAsync(
                $"COPY ledger_records ({PostgreSqlLedgerSchema.RecordColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            try
            {
                // Rows are encoded into one buffer; each full buffer goes to the server, which inserts while the next is encoded.
                var writer = new BinaryCopyWriter(copy);
                foreach (var r in records)
                {
                    if (cutoff is { } c && LedgerColumns.ToUnixMicros(r.Timestamp) < c)
                    {
                        expired++;
                        continue;
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    await writer.WriteAsync(r, cancellationToken);
                    delta.Add(r);
                }

                await writer.CompleteAsync(cancellationToken);

                // While the server inserts the last rows: ids for dimension sets not seen before (own connection, committed).
                await EnsureDimsAsync(delta, cancellationToken);
            }
            catch
            {
                // Disposing a raw COPY stream completes it: abandon it instead, so nothing of the batch is written.
                await copy.CancelAsync();
                await copy.DisposeAsync();
                throw;
            }

            await copy.DisposeAsync();
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected)
        {
            // A stored key, a key repeated in the batch, or two appenders each waiting for a key the other holds.
            await transaction.RollbackAsync(cancellationToken);
            Interlocked.Increment(ref _slowBatches);
            return null;
        }

        try
        {
            if (delta.Wide.Count > 0)
            {
                await using var batch = new NpgsqlBatch(connection, transaction);
                var quarters = new Dictionary<(long, int), LedgerMetrics>(delta.Wide.Count);
                var hourly = new Dictionary<(long, int), LedgerMetrics>();
                var daily = new Dictionary<(long, int), LedgerMetrics>();
                foreach (var (key, metrics) in delta.Wide)
                {
                    var id = _dims[RollupDims.Of(key)];
                    quarters[(key.Time, id)] = metrics;
                    ref var hour = ref CollectionsMarshal.GetValueRefOrAddDefault(hourly, (LedgerReportBuilder.HourStartOf(key.Time), id), out _);
                    hour += metrics;
                    ref var day = ref CollectionsMarshal.GetValueRefOrAddDefault(daily, (LedgerReportBuilder.DayOf(key.Time), id), out _);
                    day += metrics;
                }

                // Tables in the order the exact path's statement updates them (hourly, by model, daily, quarter, narrow
                // quarter, narrow daily, tags), rows sorted by key: concurrent appenders then lock rollup rows in one order.
                batch.BatchCommands.Add(RollupArrays.Wide(hourly, RollupArrays.UpsertWide));
                batch.BatchCommands.Add(RollupArrays.Model(delta.ByModel()));
                batch.BatchCommands.Add(RollupArrays.Wide(daily, RollupArrays.UpsertDaily));
                batch.BatchCommands.Add(RollupArrays.Wide(quarters, RollupArrays.UpsertQuarter));
                var narrow = delta.Narrow();
                batch.BatchCommands.Add(RollupArrays.Narrow(narrow, RollupArrays.UpsertNarrow));
                batch.BatchCommands.Add(RollupArrays.Narrow(RollupDelta.NarrowDaily(narrow), RollupArrays.UpsertNarrowDaily));
                if (delta.Tags.Count > 0)
                {
                    batch.BatchCommands.Add(RollupArrays.Tags(delta.Tags, RollupArrays.UpsertTagQuarter));
                    batch.BatchCommands.Add(RollupArrays.Tags(delta.TagsDaily(), RollupArrays.UpsertTagDaily));
                }

                var narrowLatency = LatencyRollups.Narrow(delta.Latency);
                batch.BatchCommands.Add(PostgreSqlLatencySchema.Rows(narrowLatency, PostgreSqlLatencySchema.UpsertQuarter));
                batch.BatchCommands.Add(PostgreSqlLatencySchema.Rows(LatencyRollups.Daily(narrowLatency, narrow: true), PostgreSqlLatencySchema.UpsertDaily));
                batch.BatchCommands.Add(PostgreSqlLatencySchema.WideRows(ById(delta.Latency), PostgreSqlLatencySchema.UpsertWideQuarter));
                batch.BatchCommands.Add(PostgreSqlLatencySchema.WideRows(ById(LatencyRollups.Daily(delta.Latency, narrow: false)), PostgreSqlLatencySchema.UpsertWideDaily));
                if (delta.TagLatency.Count > 0)
                {
                    batch.BatchCommands.Add(PostgreSqlLatencySchema.TagRows(delta.TagLatency, PostgreSqlLatencySchema.UpsertTagQuarter));
                    batch.BatchCommands.Add(PostgreSqlLatencySchema.TagRows(LatencyRollups.Daily(delta.TagLatency), PostgreSqlLatencySchema.UpsertTagDaily));
                }
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected)
        {
            // Aborted as a whole (nothing of the batch stays): the exact path below takes it.
            await transaction.RollbackAsync(cancellationToken);
            Interlocked.Increment(ref _slowBatches);
            return null;
        }

        var inserted = records.Count - expired;
        return new LedgerAppendResult(inserted, 0, expired);
    }

    /// <summary>Wide latency cells keyed by (time, dimension-set id), as their upsert takes them.</summary>
    private Dictionary<(long Time, int DimId), LatencyCell> ById(Dictionary<RollupKey, LatencyCell> cells) =>
        cells.ToDictionary(c => (c.Key.Time, _dims[RollupDims.Of(c.Key)]), c => c.Value);

    /// <summary>
    /// Makes sure every dimension set of the batch has an id in <c>ledger_dims</c> and in the cache. New sets are inserted
    /// in their own (autocommitted) statement, then read back: an unused set left by a batch that later fails is harmless.
    /// </summary>
    private async ValueTask EnsureDimsAsync(RollupDelta delta, CancellationToken cancellationToken)
    {
        List<RollupDims>? missing = null;
        HashSet<RollupDims>? seen = null;
        foreach (var key in delta.Wide.Keys)
        {
            var dims = RollupDims.Of(key);
            if (!_dims.ContainsKey(dims) && (seen ??= []).Add(dims))
            {
                (missing ??= []).Add(dims);
            }
        }

        if (missing is null)
        {
            return;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand(RollupArrays.InsertDims, connection))
        {
            RollupArrays.AddDims(insert, missing);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var select = new NpgsqlCommand(RollupArrays.SelectDims, connection);
        RollupArrays.AddDims(select, missing);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var dims = new RollupDims(
                reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7));
            _dims[dims] = reader.GetInt32(0);
        }
    }

    public async ValueTask<LedgerReport> QueryAsync(LedgerQuery query, CancellationToken cancellationToken = default)
    {
        LedgerReportBuilder.Validate(query);
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand();
        var f = query.Filter;
        RollupQuerySql sql;
        if (f.SessionId is null)
        {
            var (first, last) = f.From is null || f.To is null ? await ExtentAsync(cancellationToken) : (null, null);
            sql = RollupQuerySql.For(query, RollupPlan.For(query, first, last, signed: true), Raw, lateral: true);
        }
        else
        {
            // Sessions are small and not a rollup dimension: sum the session's own (indexed) records.
            sql = RollupQuerySql.ForSession(query, Raw, f.From is { } a ? LedgerColumns.FromBoundMicros(a) : null, f.To is { } b ? LedgerColumns.ToBoundMicros(b) : null);
        }

        command.CommandText = sql.Text;
        foreach (var (name, value) in sql.Parameters)
        {
            command.Parameters.AddWithValue(name, value);
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

                var metrics = new LedgerMetrics(
                    reader.GetInt64(2), Sum(reader, 3), Sum(reader, 4), Sum(reader, 5), Sum(reader, 6), Sum(reader, 7),
                    Sum(reader, 8), Sum(reader, 9), Sum(reader, 10), Sum(reader, 11), Sum(reader, 12), Sum(reader, 13), Sum(reader, 14));
                rows.Add(new RollupRow(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), metrics));
            }
        }

        return LedgerReportBuilder.Build(query, rows);
    }

    private static readonly RawRecordSql Raw = new(
        PostgreSqlLedgerSchema.RawSums, "floor(date_part('epoch', ts))::bigint", micros => LedgerColumns.FromUnixMicros(micros),
        key => $"(tags::jsonb ->> CAST({key} AS text))", "(floor(date_part('epoch', ts) / 86400) * 86400)::bigint",
        text => $"strpos(tags, CAST({text} AS text)) > 0",
        // The array's binary form as bytea: parsed in one pass (PostgreSqlLatencySchema.FromArraySend), where the driver's
        // array decoding took ten times as long for a month of histogram rows.
        "array_send(histogram)");

    /// <summary>The first and last quarter hour in the rollups (null when empty): bounds a report with an open end.</summary>
    private async ValueTask<(long?, long?)> ExtentAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT (SELECT min(quarter) FROM ledger_rollup_quarter), (SELECT max(quarter) FROM ledger_rollup_quarter)");
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
        return await RollupQuerySql.ReadTagKeysAsync(filter, RowsAsync, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<LatencyRollupRow>> TagLatencyRollupsAsync(LedgerFilter filter, string tagKey, string? tagValue = null, CancellationToken cancellationToken = default)
    {
        LatencyRollups.ValidateTag(filter, tagKey);
        return await ReadLatencyAsync(filter, plan => LatencyQuerySql.ForTag(filter, plan, tagKey, tagValue, Raw, lateral: true), cancellationToken);
    }

    private async ValueTask<IReadOnlyList<LatencyRollupRow>> ReadLatencyAsync(LedgerFilter filter, Func<RollupPlan, LatencyQuerySql> query, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        var (first, last) = filter.From is null || filter.To is null ? await ExtentAsync(cancellationToken) : (null, null);
        var sql = query(LatencyRollups.Plan(filter, first, last));
        return await sql.ReadAsync(RowsAsync, _dimensionSets, cancellationToken);
    }

    /// <summary>A rollup statement's rows, its histograms read from <c>array_send</c>.</summary>
    private ValueTask<ILatencyRows> RowsAsync(string text, List<(string Name, object Value)> parameters, CancellationToken cancellationToken)
    {
        var command = _dataSource.CreateCommand(text);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return DataReaderLatencyRows.OpenAsync(command, static (r, i) => PostgreSqlLatencySchema.FromArraySend(r.GetFieldValue<byte[]>(i)), cancellationToken);
    }

    public async IAsyncEnumerable<UsageRecord> ReadAsync(LedgerFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // request_id COLLATE "C" keeps the ordinal order every store uses.
        command.CommandText = $"SELECT {PostgreSqlLedgerSchema.RecordColumns} FROM ledger_records{WhereOf(filter, command)}" +
                              " ORDER BY ts, request_id COLLATE \"C\", attempt";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return ReadRecord(reader);
        }
    }

    private static readonly string ScanSql =
        $"SELECT {LedgerScanDecoder.Columns("tags", flag => $"{flag}::int::bigint", "ts")} FROM ledger_records";

    public IAsyncEnumerable<UsageRecord> ScanAsync(LedgerFilter filter, CancellationToken cancellationToken = default) => ScanAsync(filter, null, cancellationToken);

    public IAsyncEnumerable<UsageRecord> ScanAsync(LedgerFilter filter, LedgerScanSubset? subset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Scan(filter, subset, cancellationToken);
    }

    private async IAsyncEnumerable<UsageRecord> Scan(LedgerFilter filter, LedgerScanSubset? subset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = WhereOf(filter, command);
        if (subset is not null)
        {
            var narrow = subset.ToSql(PostgreSqlLedgerSchema.Flag, value =>
            {
                var name = $"s{command.Parameters.Count}";
                command.Parameters.AddWithValue(name, value);
                return "@" + name;
            }, Raw);
            where += (where.Length == 0 ? " WHERE " : " AND ") + narrow;
        }

        command.CommandText = ScanSql + where;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var decoder = new LedgerScanDecoder();
        var texts = new string?[LedgerScanDecoder.Texts];
        var numbers = new long[LedgerScanDecoder.Numbers];
        while (await reader.ReadAsync(cancellationToken))
        {
            for (var i = 0; i < texts.Length; i++)
            {
                texts[i] = Str(reader, i);
            }

            for (var i = 0; i < numbers.Length; i++)
            {
                numbers[i] = reader.GetInt64(LedgerScanDecoder.NumberColumn(i));
            }

            const int requestId = LedgerScanDecoder.RequestIdColumn;
            yield return decoder.Record(texts, reader.GetFieldValue<DateTimeOffset>(LedgerScanDecoder.TimestampColumn), Str(reader, LedgerScanDecoder.UsageExtraColumn), numbers,
                reader.GetString(requestId), Str(reader, requestId + 1), Str(reader, requestId + 2));
        }
    }

    /// <summary>The WHERE clause of a raw-record read (empty for no filter), adding its parameters to the command.</summary>
    private static string WhereOf(LedgerFilter filter, NpgsqlCommand command)
    {
        var where = new List<string>();
        if (filter.From is { } from)
        {
            where.Add("ts >= @from");
            command.Parameters.AddWithValue("from", UsageRecord.Normalize(from));
        }

        if (filter.To is { } to)
        {
            // Exclusive upper bound at microsecond precision: anything strictly before To.
            var ticks = to.UtcTicks;
            var up = ticks % 10 == 0 ? ticks : ticks + (10 - (ticks % 10));
            where.Add("ts < @to");
            command.Parameters.AddWithValue("to", new DateTimeOffset(up, TimeSpan.Zero));
        }

        if (filter.SessionId is not null)
        {
            where.Add("session_id = @session");
            command.Parameters.AddWithValue("session", filter.SessionId);
        }

        var i = 0;
        foreach (var (column, value) in LedgerColumns.DimensionFilters(filter))
        {
            where.Add($"{column} = @f{i}");
            command.Parameters.AddWithValue($"f{i++}", value);
        }

        return where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "";
    }

    public async ValueTask<UsageRecord?> FindAsync(LedgerKey key, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand(
            $"SELECT {PostgreSqlLedgerSchema.RecordColumns} FROM ledger_records WHERE request_id = @id AND attempt = @attempt");
        command.Parameters.AddWithValue("id", key.RequestId);
        command.Parameters.AddWithValue("attempt", key.Attempt);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRecord(reader) : null;
    }

    public async ValueTask<IReadOnlyList<LedgerUsageOutlier>> UsageOutliersAsync(LedgerFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand();
        var where = WhereOf(filter, command);
        command.CommandText = $"""
            SELECT provider, model, bool_or(usage_extra IS NOT NULL), max(input_tokens) FROM ledger_records
            {(where.Length == 0 ? " WHERE " : where + " AND ")}{PostgreSqlLedgerSchema.Irregular} AND NOT estimated AND NOT unpriced
            GROUP BY provider, model
            """;
        var outliers = new List<LedgerUsageOutlier>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            outliers.Add(new LedgerUsageOutlier(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetInt64(3)));
        }

        return outliers;
    }

    public async ValueTask<DateTimeOffset?> GetRetentionCutoffAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("SELECT value::bigint FROM tollgate_meta WHERE key = 'ledger.retention_cutoff'");
        return await command.ExecuteScalarAsync(cancellationToken) is long micros ? LedgerColumns.FromUnixMicros(micros) : null;
    }

    public async ValueTask<long> PurgeRawBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        var normalized = UsageRecord.Normalize(cutoff);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var meta = new NpgsqlCommand("""
            INSERT INTO tollgate_meta (key, value) VALUES ('ledger.retention_cutoff', @micros)
            ON CONFLICT (key) DO UPDATE SET value = greatest(tollgate_meta.value::bigint, excluded.value::bigint)::text
            """, connection, transaction))
        {
            meta.Parameters.AddWithValue("micros", LedgerColumns.ToUnixMicros(normalized).ToString(CultureInfo.InvariantCulture));
            await meta.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var delete = new NpgsqlCommand("DELETE FROM ledger_records WHERE ts < @cutoff", connection, transaction);
        delete.Parameters.AddWithValue("cutoff", normalized);
        var removed = await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    public async ValueTask DisposeAsync() => await _dataSource.DisposeAsync();

    private static long Sum(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0
        : reader.GetFieldType(ordinal) == typeof(long) ? reader.GetInt64(ordinal)
        : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static UsageRecord ReadRecord(NpgsqlDataReader r) => new()
    {
        RequestId = r.GetString(0),
        Attempt = r.GetInt32(1),
        Timestamp = r.GetFieldValue<DateTimeOffset>(2),
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
        Success = r.GetBoolean(24),
        ErrorClass = Str(r, 25),
        Estimated = r.GetBoolean(26),
        Unpriced = r.GetBoolean(27),
        RequestFingerprint = Str(r, 28),
        PrefixFingerprint = Str(r, 29),
        PrefixTokens = r.GetInt64(30),
    };

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaGate.WaitAsync(cancellationToken);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var prepare = new NpgsqlCommand(PostgreSqlLedgerSchema.LockAndCreateMeta, connection, transaction))
            {
                await prepare.ExecuteNonQueryAsync(cancellationToken);
            }

            int? existing;
            await using (var version = new NpgsqlCommand("SELECT value FROM tollgate_meta WHERE key = 'ledger.schema_version'", connection, transaction))
            {
                existing = await version.ExecuteScalarAsync(cancellationToken) is string v ? int.Parse(v, CultureInfo.InvariantCulture) : null;
                if (existing > PostgreSqlLedgerSchema.Version)
                {
                    throw new InvalidOperationException(
                        $"The PostgreSQL ledger has schema version {existing}; this Tollgate supports up to {PostgreSqlLedgerSchema.Version}. Upgrade Tollgate.");
                }
            }

            // Upgrades run in this transaction: a failure half-way leaves the older ledger as it was.
            var upgradeFrom = existing < PostgreSqlLedgerSchema.Version ? existing : null;
            var steps = new List<string>();
            if (upgradeFrom is { } old and < 3)
            {
                steps.Add(PostgreSqlLedgerSchema.SetAsideOldRollups(old));
            }

            if (upgradeFrom is 8)
            {
                steps.Add(PostgreSqlLedgerSchema.DropOldTagRollups);
            }

            steps.Add(PostgreSqlLedgerSchema.Create);
            steps.Add(PostgreSqlLatencySchema.Create);
            steps.Add(PostgreSqlLedgerSchema.CreateIrregularIndex);
            if (upgradeFrom is { } from)
            {
                // Each fill the versions since `from` added, in order (later ones sum from earlier ones).
                (int Before, string Sql)[] fills =
                [
                    (3, PostgreSqlLedgerSchema.FillFromOldRollups(from)), (4, PostgreSqlLedgerSchema.FillQuarters),
                    (6, PostgreSqlLedgerSchema.FillNarrowQuarters), (7, PostgreSqlLedgerSchema.FillNarrowDaily), (9, PostgreSqlLedgerSchema.FillTags),
                ];
                steps.AddRange(fills.Where(f => from < f.Before).Select(f => f.Sql));
                steps.Add(PostgreSqlLedgerSchema.AddFingerprints);
                if (from < PostgreSqlLatencySchema.NarrowVersion)
                {
                    steps.Add(PostgreSqlLatencySchema.FillNarrow);
                }

                if (from < PostgreSqlLatencySchema.WideVersion)
                {
                    steps.Add(PostgreSqlLatencySchema.FillWide);
                }

                if (from < PostgreSqlLatencySchema.TagVersion)
                {
                    steps.Add(PostgreSqlLatencySchema.FillTag);
                }
            }

            foreach (var step in steps)
            {
                // No time limit: a fill reads every record once (tens of seconds at 10 M), and a timeout would undo it all.
                await using var command = new NpgsqlCommand(step, connection, transaction) { CommandTimeout = 0 };
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var insert = new NpgsqlCommand(
                             "INSERT INTO tollgate_meta (key, value) VALUES ('ledger.schema_version', @v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", connection, transaction))
            {
                insert.Parameters.AddWithValue("v", PostgreSqlLedgerSchema.Version.ToString(CultureInfo.InvariantCulture));
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }
}
