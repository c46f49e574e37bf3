using System.Globalization;

namespace Tollgate.Ledger;

/// <summary>
/// The SQL both relational stores run for <see cref="ILedgerStore.LatencyRollupsAsync"/> (the same text in SQLite and
/// PostgreSQL but for the day of a raw <c>ts</c>): <see cref="Rollups"/> reads the latency rollup rows of a
/// <see cref="RollupPlan"/>'s days, hours and quarters (one index range scan per range, UNION ALL; the histograms are
/// added up by the caller, SQL cannot add them) — the narrow rollups, or the wide ones by dimension-set id —,
/// <see cref="Raw"/> the edges' successful latencies and cache users per (UTC day, dimensions). Parameters are named <c>@…</c>.
/// </summary>
internal sealed class LatencyQuerySql
{
    public const string Quarter = "ledger_rollup_latency_quarter";
    public const string Daily = "ledger_rollup_latency_daily";
    public const string WideQuarter = "ledger_rollup_latency_wide_quarter";
    public const string WideDaily = "ledger_rollup_latency_wide_daily";

    private LatencyQuerySql()
    {
    }

    /// <summary>
    /// Narrow: <c>SELECT time, provider, model, api_flavor, tenant, cache_calls, histogram, sign</c>; wide: <c>SELECT time,
    /// dim_id, cache_calls, histogram, sign</c> (the ids resolved through <see cref="DimensionSetCache"/>); sign −1 for the
    /// rows of <see cref="RollupPlan.NegativeHours"/>, to be subtracted; empty when the plan reads no rollup.
    /// </summary>
    public string Rollups { get; private set; } = "";

    /// <summary>True when <see cref="Rollups"/> reads the wide latency rollups.</summary>
    public bool Wide { get; private set; }

    /// <summary>
    /// <c>SELECT day, provider, model, api_flavor, tenant, project, user_id, key_id, latency (−1 for a failed call), calls,
    /// cache users</c>; empty without raw edges.
    /// </summary>
    public string Raw { get; private set; } = "";

    /// <summary>The parameters of <see cref="Rollups"/>.</summary>
    public List<(string Name, object Value)> RollupParameters { get; } = [];

    /// <summary>The parameters of <see cref="Raw"/>.</summary>
    public List<(string Name, object Value)> RawParameters { get; } = [];

    private List<(string Name, object Value)> _parameters = [];

    private int _count;

    /// <param name="filter">The records.</param>
    /// <param name="plan">From <see cref="LatencyRollups.Plan"/>.</param>
    /// <param name="wide">Read the wide latency rollups (every dimension) rather than the narrow ones (<see cref="LatencyRollups.Wide"/>).</param>
    /// <param name="dayOfTs">The start of the UTC day of a raw record's <c>ts</c>, in unix seconds.</param>
    /// <param name="tsParameter">The parameter value for a <c>ts</c> bound given in unix microseconds.</param>
    public static LatencyQuerySql For(LedgerFilter filter, RollupPlan plan, bool wide, string dayOfTs, Func<long, object> tsParameter)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(tsParameter);
        var sql = new LatencyQuerySql { Wide = wide };
        sql._parameters = sql.RollupParameters;
        var selects = new List<string>();
        var (daily, quarter) = wide ? (WideDaily, WideQuarter) : (Daily, Quarter);
        var negative = plan.NegativeHours.Select(r => (r.From, r.To)).ToList();
        // Without buckets a shifted day is a day row like any other.
        var days = plan.Days.Concat(plan.ShiftedDays.Select(d => (From: d.Day, To: d.Day + LedgerReportBuilder.SecondsPerDay))).ToList();
        foreach (var (table, column, ranges, sign) in new[] { (daily, "day", days, 1), (quarter, "quarter", plan.Hours, 1), (quarter, "quarter", plan.Quarters, 1), (quarter, "quarter", negative, -1) })
        {
            foreach (var (from, to) in ranges)
            {
                var where = new List<string> { $"{column} >= {sql.Param(from)}", $"{column} < {sql.Param(to)}" };
                var filters = sql.Filters(filter);
                if (wide && filters.Count > 0)
                {
                    where.Add($"dim_id IN (SELECT id FROM ledger_dims WHERE {string.Join(" AND ", filters)})");
                }
                else
                {
                    where.AddRange(filters);
                }

                selects.Add(wide
                    ? $"SELECT {column}, dim_id, cache_calls, histogram, {sign} FROM {table} WHERE {string.Join(" AND ", where)}"
                    : $"SELECT {column}, provider, model, api_flavor, tenant, cache_calls, histogram, {sign} FROM {table} WHERE {string.Join(" AND ", where)}");
            }
        }

        sql.Rollups = string.Join(" UNION ALL ", selects);
        sql._parameters = sql.RawParameters;
        var raw = new List<string>();
        var (dims, groupBy) = wide
            ? ("coalesce(project, ''), coalesce(user_id, ''), coalesce(key_id, '')", "1, 2, 3, 4, 5, 6, 7, 8, 9")
            : ("'', '', ''", "1, 2, 3, 4, 5, 9");
        foreach (var (from, to) in plan.Raw)
        {
            var where = new List<string> { $"ts >= {sql.Param(tsParameter(from))}", $"ts < {sql.Param(tsParameter(to))}" };
            where.AddRange(sql.Filters(filter));
            raw.Add($"SELECT {dayOfTs}, provider, model, coalesce(api_flavor, ''), coalesce(tenant, ''), {dims}, " +
                    "CASE WHEN success THEN latency_ms ELSE -1 END, COUNT(*), " +
                    "SUM(CASE WHEN cache_read_tokens > 0 OR cache_write_tokens > 0 THEN 1 ELSE 0 END) " +
                    $"FROM ledger_records WHERE {string.Join(" AND ", where)} GROUP BY {groupBy}");
        }

        sql.Raw = string.Join(" UNION ALL ", raw);
        return sql;
    }

    /// <summary>Adds one raw row (a latency, −1 for failed calls, its calls and cache users) into <paramref name="cells"/>.</summary>
    public static void AddRaw(Dictionary<RollupKey, LatencyCell> cells, in RollupKey key, long latency, long calls, long cacheCalls)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ref var cell = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(cells, key, out _);
        cell ??= new LatencyCell();
        cell.CacheCalls += cacheCalls;
        if (latency >= 0)
        {
            cell.Histogram.AddBucket(LatencyBuckets.Of(latency), calls);
        }
    }

    /// <summary>
    /// Runs the rollup and raw queries through <paramref name="command"/> (a store's command over its connection, with the
    /// parameters named as given), each histogram decoded by the store's own encoding; the wide rows' dimension-set ids
    /// are resolved through <paramref name="dims"/>, which reads the sets it has not seen from <c>ledger_dims</c>.
    /// </summary>
    public async Task<List<LatencyRollupRow>> ReadAsync(
        Func<string, List<(string Name, object Value)>, System.Data.Common.DbCommand> command, Func<System.Data.Common.DbDataReader, int, LatencyHistogram> histogram,
        DimensionSetCache dims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentNullException.ThrowIfNull(dims);
        var rows = new List<LatencyRollupRow>();
        var wide = new List<(long Day, long DimId, long CacheCalls, LatencyHistogram Histogram)>();
        LatencyHistogram Signed(System.Data.Common.DbDataReader reader, int at) =>
            reader.GetInt64(at + 1) < 0 ? histogram(reader, at).Negated() : histogram(reader, at);
        if (Rollups.Length > 0)
        {
            await using var rollups = command(Rollups, RollupParameters);
            await using var reader = await rollups.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var day = LedgerReportBuilder.DayOf(reader.GetInt64(0));
                if (Wide)
                {
                    wide.Add((day, reader.GetInt64(1), reader.GetInt64(2) * reader.GetInt64(4), Signed(reader, 3)));
                }
                else
                {
                    rows.Add(new LatencyRollupRow(day, reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                        reader.GetInt64(5) * reader.GetInt64(7), Signed(reader, 6)));
                }
            }
        }

        if (dims.Missing(wide.Select(w => w.DimId)) is { Count: > 0 } missing)
        {
            // Ids are integers read from the database: written into the statement, a thousand at a time.
            foreach (var chunk in missing.Chunk(1000))
            {
                await using var select = command($"SELECT id, {RollupDims.Columns} FROM ledger_dims WHERE id IN ({string.Join(", ", chunk.Select(id => id.ToString(CultureInfo.InvariantCulture)))})", []);
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    dims.Add(reader.GetInt64(0), RollupDims.Of(KeyOf(reader, 0)));
                }
            }
        }

        foreach (var (day, id, cacheCalls, counts) in wide)
        {
            var d = dims[id];
            rows.Add(new LatencyRollupRow(day, d.Provider, d.Model, d.ApiFlavor, d.Tenant, cacheCalls, counts, d.Project, d.User, d.KeyId));
        }

        if (Raw.Length > 0)
        {
            await using var raw = command(Raw, RawParameters);
            await using var reader = await raw.ExecuteReaderAsync(cancellationToken);
            await ReadRawAsync(reader, rows, cancellationToken);
        }

        return rows;
    }

    /// <summary>The rows a reader of the raw query returns, summed per day and dimensions.</summary>
    private static async Task ReadRawAsync(System.Data.Common.DbDataReader reader, List<LatencyRollupRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(rows);
        var cells = new Dictionary<RollupKey, LatencyCell>();
        while (await reader.ReadAsync(cancellationToken))
        {
            AddRaw(cells, KeyOf(reader, reader.GetInt64(0)), reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10));
        }

        rows.AddRange(cells.Select(c => LatencyRollupRow.Of(c.Key, c.Value)));
    }

    /// <summary>The key of a row whose columns 1–7 are the dimensions.</summary>
    public static RollupKey KeyOf(System.Data.Common.DbDataReader reader, long time)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new RollupKey(time, reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            reader.GetString(5), reader.GetString(6), reader.GetString(7));
    }

    private string Param(object value)
    {
        var name = "p" + (_count++).ToString(CultureInfo.InvariantCulture);
        _parameters.Add((name, value));
        return "@" + name;
    }

    private List<string> Filters(LedgerFilter filter) => [.. LedgerColumns.DimensionFilters(filter).Select(f => $"{f.Column} = {Param(f.Value)}")];
}
