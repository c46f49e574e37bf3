using System.Globalization;

namespace Tollgate.Ledger;

/// <summary>
/// The SQL both relational stores run for <see cref="ILedgerStore.LatencyRollupsAsync"/> (the same text in SQLite and
/// PostgreSQL but for the day of a raw <c>ts</c>): <see cref="Rollups"/> reads the latency rollup rows of a
/// <see cref="RollupPlan"/>'s days, hours and quarters (one index range scan per range, UNION ALL; the histograms are
/// added up by the caller, SQL cannot add them) — the narrow rollups, or the wide ones joined to their dimension sets —,
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
    /// <c>SELECT time, provider, model, api_flavor, tenant, project, user_id, key_id, cache_calls, histogram</c> (project,
    /// user and key '' from the narrow rollups); empty when the plan reads no rollup.
    /// </summary>
    public string Rollups { get; private set; } = "";

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
        var sql = new LatencyQuerySql();
        sql._parameters = sql.RollupParameters;
        var selects = new List<string>();
        var (daily, quarter) = wide ? (WideDaily, WideQuarter) : (Daily, Quarter);
        foreach (var (table, column, ranges) in new[] { (daily, "day", plan.Days), (quarter, "quarter", plan.Hours), (quarter, "quarter", plan.Quarters) })
        {
            foreach (var (from, to) in ranges)
            {
                var time = wide ? "w." + column : column;
                var where = new List<string> { $"{time} >= {sql.Param(from)}", $"{time} < {sql.Param(to)}" };
                where.AddRange(sql.Filters(filter, wide ? "d." : ""));
                selects.Add(wide
                    ? $"SELECT {time}, d.provider, d.model, d.api_flavor, d.tenant, d.project, d.user_id, d.key_id, w.cache_calls, w.histogram " +
                      $"FROM {table} w JOIN ledger_dims d ON d.id = w.dim_id WHERE {string.Join(" AND ", where)}"
                    : $"SELECT {time}, provider, model, api_flavor, tenant, '', '', '', cache_calls, histogram FROM {table} WHERE {string.Join(" AND ", where)}");
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
            where.AddRange(sql.Filters(filter, ""));
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

    /// <summary>The rows a reader of the rollup query returns, each histogram decoded by the store's own encoding.</summary>
    public static async Task ReadRollupsAsync(
        System.Data.Common.DbDataReader reader, Func<System.Data.Common.DbDataReader, int, LatencyHistogram> histogram, List<LatencyRollupRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentNullException.ThrowIfNull(rows);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new LatencyRollupRow(
                LedgerReportBuilder.DayOf(reader.GetInt64(0)), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt64(8), histogram(reader, 9), reader.GetString(5), reader.GetString(6), reader.GetString(7)));
        }
    }

    /// <summary>The rows a reader of the raw query returns, summed per day and dimensions.</summary>
    public static async Task ReadRawAsync(System.Data.Common.DbDataReader reader, List<LatencyRollupRow> rows, CancellationToken cancellationToken)
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

    private List<string> Filters(LedgerFilter filter, string alias) => [.. LedgerColumns.DimensionFilters(filter).Select(f => $"{alias}{f.Column} = {Param(f.Value)}")];
}
