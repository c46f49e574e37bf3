using System.Globalization;

namespace Tollgate.Ledger;

/// <summary>
/// The SQL both relational stores run for <see cref="ILedgerStore.LatencyRollupsAsync"/> (the same text in SQLite and
/// PostgreSQL but for the day of a raw <c>ts</c>): <see cref="Rollups"/> reads the latency rollup rows of a
/// <see cref="RollupPlan"/>'s days, hours and quarters (one index range scan per range, UNION ALL; the histograms are
/// added up by the caller, SQL cannot add them) — the narrow rollups, the wide ones by dimension-set id, or the tag ones
/// (<see cref="ILedgerStore.TagLatencyRollupsAsync"/>) —, <see cref="Raw"/> the edges' successful latencies and cache users
/// per (UTC day, dimensions). Parameters are named <c>@…</c>.
/// </summary>
internal sealed class LatencyQuerySql
{
    public const string Quarter = "ledger_rollup_latency_quarter";
    public const string Daily = "ledger_rollup_latency_daily";
    public const string WideQuarter = "ledger_rollup_latency_wide_quarter";
    public const string WideDaily = "ledger_rollup_latency_wide_daily";
    public const string TagQuarter = "ledger_rollup_latency_tag_quarter";
    public const string TagDaily = "ledger_rollup_latency_tag_daily";

    private LatencyQuerySql()
    {
    }

    /// <summary>
    /// Narrow: <c>SELECT time, provider, model, api_flavor, tenant, cache_calls, histogram, sign</c>; wide: <c>SELECT time,
    /// dim_id, cache_calls, histogram, sign</c> (the ids resolved through <see cref="DimensionSetCache"/>); tag: <c>SELECT time,
    /// tag_value, provider, model, api_flavor, tenant, cache_calls, histogram, sign</c>; sign −1 for the
    /// rows of <see cref="RollupPlan.NegativeHours"/>, to be subtracted; empty when the plan reads no rollup.
    /// </summary>
    public string Rollups { get; private set; } = "";

    /// <summary>True when <see cref="Rollups"/> reads the wide latency rollups.</summary>
    public bool Wide { get; private set; }

    /// <summary>True when <see cref="Rollups"/> reads the tag latency rollups.</summary>
    public bool Tag { get; private set; }

    /// <summary>
    /// <c>SELECT day, provider, model, api_flavor, tenant, project (the tag's value when <see cref="Tag"/>), user_id, key_id, latency (−1 for a failed call), calls,
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
    /// <param name="raw">How the store reads raw records (the day of a <c>ts</c>, a <c>ts</c> bound).</param>
    public static LatencyQuerySql For(LedgerFilter filter, RollupPlan plan, bool wide, RawRecordSql raw) =>
        Build(filter, plan, wide, tag: null, raw, lateral: false);

    /// <summary>
    /// The tag latency rollups of the records carrying <paramref name="tagKey"/> (= <paramref name="tagValue"/> when
    /// given). For every value, a recursive CTE first lists the key's values (a loose index scan, as the tag reports do)
    /// and each value's range is read by its own index range: a range on the key alone would run over all its times.
    /// PostgreSQL passes <paramref name="lateral"/>: the values are joined with each rollup read through <c>CROSS JOIN
    /// LATERAL</c>; SQLite keeps a CROSS JOIN's written order.
    /// </summary>
    public static LatencyQuerySql ForTag(LedgerFilter filter, RollupPlan plan, string tagKey, string? tagValue, RawRecordSql raw, bool lateral) =>
        Build(filter, plan, wide: false, (tagKey, tagValue), raw, lateral);

    private static LatencyQuerySql Build(LedgerFilter filter, RollupPlan plan, bool wide, (string Key, string? Value)? tag, RawRecordSql raw, bool lateral)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(raw);
        var sql = new LatencyQuerySql { Wide = wide, Tag = tag is not null };
        sql._parameters = sql.RollupParameters;
        var selects = new List<string>();
        var (daily, quarter) = tag is not null ? (TagDaily, TagQuarter) : wide ? (WideDaily, WideQuarter) : (Daily, Quarter);
        var values = "";
        if (tag is { Value: null } all)
        {
            var next = $"SELECT tag_value FROM {TagDaily} WHERE tag_key = {sql.Param(all.Key)}";
            values = $"WITH RECURSIVE tv(v) AS (SELECT ({next} ORDER BY tag_value LIMIT 1) UNION ALL " +
                     $"SELECT ({next} AND tag_value > tv.v ORDER BY tag_value LIMIT 1) FROM tv WHERE tv.v IS NOT NULL) ";
        }

        var negative = plan.NegativeHours.Select(r => (r.From, r.To)).ToList();
        // Without buckets a shifted day is a day row like any other.
        var days = plan.Days.Concat(plan.ShiftedDays.Select(d => (From: d.Day, To: d.Day + LedgerReportBuilder.SecondsPerDay))).ToList();
        foreach (var (table, column, ranges, sign) in new[] { (daily, "day", days, 1), (quarter, "quarter", plan.Hours, 1), (quarter, "quarter", plan.Quarters, 1), (quarter, "quarter", negative, -1) })
        {
            foreach (var (from, to) in ranges)
            {
                var where = new List<string>();
                if (tag is { } t)
                {
                    where.Add($"tag_key = {sql.Param(t.Key)}");
                    where.Add($"tag_value = {(t.Value is { } v ? sql.Param(v) : "tv.v")}");
                }

                where.Add($"{column} >= {sql.Param(from)}");
                where.Add($"{column} < {sql.Param(to)}");
                var filters = sql.Filters(filter);
                if (wide && filters.Count > 0)
                {
                    where.Add($"dim_id IN (SELECT id FROM ledger_dims WHERE {string.Join(" AND ", filters)})");
                }
                else
                {
                    where.AddRange(filters);
                }

                var conditions = string.Join(" AND ", where);
                var source = tag is { Value: null }
                    ? lateral ? $"tv CROSS JOIN LATERAL (SELECT * FROM {table} WHERE {conditions} OFFSET 0) AS x" : $"tv CROSS JOIN {table} WHERE {conditions}"
                    : $"{table} WHERE {conditions}";
                var histogram = raw.Histogram;
                selects.Add(tag is not null
                    ? $"SELECT {column}, tag_value, provider, model, api_flavor, tenant, cache_calls, {histogram}, {sign} FROM {source}"
                    : wide
                        ? $"SELECT {column}, dim_id, cache_calls, {histogram}, {sign} FROM {source}"
                        : $"SELECT {column}, provider, model, api_flavor, tenant, cache_calls, {histogram}, {sign} FROM {source}");
            }
        }

        sql.Rollups = selects.Count == 0 ? "" : values + string.Join(" UNION ALL ", selects);
        sql._parameters = sql.RawParameters;
        var pieces = new List<string>();
        foreach (var (from, to) in plan.Raw)
        {
            var where = new List<string> { $"ts >= {sql.Param(raw.TsParameter(from))}", $"ts < {sql.Param(raw.TsParameter(to))}" };
            where.AddRange(sql.Filters(filter));
            var (dims, groupBy) = ("'', '', ''", "1, 2, 3, 4, 5, 9");
            if (tag is { } t)
            {
                // The tag's value goes in the project column (see ReadAsync).
                var value = raw.TagValue(sql.Param(t.Key));
                where.Add(t.Value is { } v ? $"{value} = {sql.Param(v)}" : $"{value} IS NOT NULL");
                (dims, groupBy) = ($"{value}, '', ''", "1, 2, 3, 4, 5, 6, 9");
            }
            else if (wide)
            {
                (dims, groupBy) = ("coalesce(project, ''), coalesce(user_id, ''), coalesce(key_id, '')", "1, 2, 3, 4, 5, 6, 7, 8, 9");
            }

            pieces.Add($"SELECT {raw.DayOfTs}, provider, model, coalesce(api_flavor, ''), coalesce(tenant, ''), {dims}, " +
                       "CASE WHEN success THEN latency_ms ELSE -1 END, COUNT(*), " +
                       "SUM(CASE WHEN cache_read_tokens > 0 OR cache_write_tokens > 0 THEN 1 ELSE 0 END) " +
                       $"FROM ledger_records WHERE {string.Join(" AND ", where)} GROUP BY {groupBy}");
        }

        sql.Raw = string.Join(" UNION ALL ", pieces);
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
    /// Runs the rollup and raw queries through <paramref name="open"/> (a store's rows of a statement over its connection,
    /// with the parameters named as given); the wide rows' dimension-set ids are resolved through <paramref name="dims"/>,
    /// which reads the sets it has not seen from <c>ledger_dims</c>.
    /// </summary>
    public async Task<List<LatencyRollupRow>> ReadAsync(
        Func<string, List<(string Name, object Value)>, CancellationToken, ValueTask<ILatencyRows>> open, DimensionSetCache dims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(dims);
        var rows = new List<LatencyRollupRow>();
        var wide = new List<(long Day, long DimId, long CacheCalls, LatencyHistogram Histogram)>();
        static LatencyHistogram Signed(ILatencyRows row, int at) => row.GetHistogram(at, negated: row.GetInt64(at + 1) < 0);
        if (Rollups.Length > 0)
        {
            await using var row = await open(Rollups, RollupParameters, cancellationToken);
            while (await row.ReadAsync(cancellationToken))
            {
                var day = LedgerReportBuilder.DayOf(row.GetInt64(0));
                if (Tag)
                {
                    rows.Add(new LatencyRollupRow(day, row.GetString(2), row.GetString(3), row.GetString(4), row.GetString(5),
                        row.GetInt64(6) * row.GetInt64(8), Signed(row, 7), TagValue: row.GetString(1)));
                }
                else if (Wide)
                {
                    wide.Add((day, row.GetInt64(1), row.GetInt64(2) * row.GetInt64(4), Signed(row, 3)));
                }
                else
                {
                    rows.Add(new LatencyRollupRow(day, row.GetString(1), row.GetString(2), row.GetString(3), row.GetString(4),
                        row.GetInt64(5) * row.GetInt64(7), Signed(row, 6)));
                }
            }
        }

        if (dims.Missing(wide.Select(w => w.DimId)) is { Count: > 0 } missing)
        {
            // Ids are integers read from the database: written into the statement, a thousand at a time.
            foreach (var chunk in missing.Chunk(1000))
            {
                await using var row = await open($"SELECT id, {RollupDims.Columns} FROM ledger_dims WHERE id IN ({string.Join(", ", chunk.Select(id => id.ToString(CultureInfo.InvariantCulture)))})", [], cancellationToken);
                while (await row.ReadAsync(cancellationToken))
                {
                    dims.Add(row.GetInt64(0), RollupDims.Of(KeyOf(row, 0)));
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
            // The edges' rows, summed per day and dimensions (and tag value, read from the project column, when Tag).
            var cells = new Dictionary<RollupKey, LatencyCell>();
            await using (var row = await open(Raw, RawParameters, cancellationToken))
            {
                while (await row.ReadAsync(cancellationToken))
                {
                    AddRaw(cells, KeyOf(row, row.GetInt64(0)), row.GetInt64(8), row.GetInt64(9), row.GetInt64(10));
                }
            }

            rows.AddRange(cells.Select(c => Tag
                ? LatencyRollupRow.Of(c.Key, c.Value) with { Project = "", TagValue = c.Key.Project }
                : LatencyRollupRow.Of(c.Key, c.Value)));
        }

        return rows;
    }

    /// <summary>The key of a row whose columns 1–7 are the dimensions.</summary>
    public static RollupKey KeyOf(ILatencyRows row, long time)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new RollupKey(time, row.GetString(1), row.GetString(2), row.GetString(3), row.GetString(4),
            row.GetString(5), row.GetString(6), row.GetString(7));
    }

    private string Param(object value)
    {
        var name = "p" + (_count++).ToString(CultureInfo.InvariantCulture);
        _parameters.Add((name, value));
        return "@" + name;
    }

    private List<string> Filters(LedgerFilter filter) => [.. LedgerColumns.DimensionFilters(filter).Select(f => $"{f.Column} = {Param(f.Value)}")];
}
