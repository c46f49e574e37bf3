using System.Globalization;

namespace Tollgate.Ledger;

/// <summary>
/// The SQL both relational stores run for <see cref="ILedgerStore.LatencyRollupsAsync"/> (the same text in SQLite and
/// PostgreSQL but for the day of a raw <c>ts</c>): <see cref="Rollups"/> reads the latency rollup rows of a
/// <see cref="RollupPlan"/>'s days, hours and quarters (one index range scan per range, UNION ALL; the histograms are
/// added up by the caller, SQL cannot add them), <see cref="Raw"/> the edges' successful latencies and cache users per
/// (UTC day, dimensions). Parameters are named <c>@…</c>.
/// </summary>
internal sealed class LatencyQuerySql
{
    public const string Quarter = "ledger_rollup_latency_quarter";
    public const string Daily = "ledger_rollup_latency_daily";

    /// <summary>Columns of a latency rollup row after its time, in this order.</summary>
    public const string Columns = "provider, model, api_flavor, tenant, cache_calls, histogram";

    private LatencyQuerySql()
    {
    }

    /// <summary><c>SELECT time, provider, model, api_flavor, tenant, cache_calls, histogram</c>; empty when the plan reads no rollup.</summary>
    public string Rollups { get; private set; } = "";

    /// <summary><c>SELECT day, provider, model, api_flavor, tenant, latency (−1 for a failed call), calls, cache users</c>; empty without raw edges.</summary>
    public string Raw { get; private set; } = "";

    /// <summary>The parameters of <see cref="Rollups"/>.</summary>
    public List<(string Name, object Value)> RollupParameters { get; } = [];

    /// <summary>The parameters of <see cref="Raw"/>.</summary>
    public List<(string Name, object Value)> RawParameters { get; } = [];

    private List<(string Name, object Value)> _parameters = [];

    private int _count;

    /// <param name="filter">The records.</param>
    /// <param name="plan">From <see cref="LatencyRollups.Plan"/>.</param>
    /// <param name="dayOfTs">The start of the UTC day of a raw record's <c>ts</c>, in unix seconds.</param>
    /// <param name="tsParameter">The parameter value for a <c>ts</c> bound given in unix microseconds.</param>
    public static LatencyQuerySql For(LedgerFilter filter, RollupPlan plan, string dayOfTs, Func<long, object> tsParameter)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(tsParameter);
        var sql = new LatencyQuerySql();
        sql._parameters = sql.RollupParameters;
        var selects = new List<string>();
        foreach (var (table, column, ranges) in new[] { (Daily, "day", plan.Days), (Quarter, "quarter", plan.Hours), (Quarter, "quarter", plan.Quarters) })
        {
            foreach (var (from, to) in ranges)
            {
                var where = new List<string> { $"{column} >= {sql.Param(from)}", $"{column} < {sql.Param(to)}" };
                where.AddRange(sql.Filters(filter));
                selects.Add($"SELECT {column}, {Columns} FROM {table} WHERE {string.Join(" AND ", where)}");
            }
        }

        sql.Rollups = string.Join(" UNION ALL ", selects);
        sql._parameters = sql.RawParameters;
        var raw = new List<string>();
        foreach (var (from, to) in plan.Raw)
        {
            var where = new List<string> { $"ts >= {sql.Param(tsParameter(from))}", $"ts < {sql.Param(tsParameter(to))}" };
            where.AddRange(sql.Filters(filter));
            raw.Add($"SELECT {dayOfTs}, provider, model, coalesce(api_flavor, ''), coalesce(tenant, ''), " +
                    "CASE WHEN success THEN latency_ms ELSE -1 END, COUNT(*), " +
                    "SUM(CASE WHEN cache_read_tokens > 0 OR cache_write_tokens > 0 THEN 1 ELSE 0 END) " +
                    $"FROM ledger_records WHERE {string.Join(" AND ", where)} GROUP BY 1, 2, 3, 4, 5, 6");
        }

        sql.Raw = string.Join(" UNION ALL ", raw);
        return sql;
    }

    /// <summary>Adds raw rows (<see cref="Raw"/>'s columns) into <paramref name="cells"/>.</summary>
    public static void AddRaw(Dictionary<(long, string, string, string, string), LatencyCell> cells, long day, string provider, string model,
        string apiFlavor, string tenant, long latency, long calls, long cacheCalls)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (!cells.TryGetValue((day, provider, model, apiFlavor, tenant), out var cell))
        {
            cells[(day, provider, model, apiFlavor, tenant)] = cell = new LatencyCell();
        }

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
                reader.GetInt64(5), histogram(reader, 6)));
        }
    }

    /// <summary>The rows a reader of the raw query returns, summed per day and narrow dimensions.</summary>
    public static async Task ReadRawAsync(System.Data.Common.DbDataReader reader, List<LatencyRollupRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(rows);
        var cells = new Dictionary<(long, string, string, string, string), LatencyCell>();
        while (await reader.ReadAsync(cancellationToken))
        {
            AddRaw(cells, reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
        }

        rows.AddRange(Rows(cells));
    }

    public static IEnumerable<LatencyRollupRow> Rows(Dictionary<(long, string, string, string, string), LatencyCell> cells) =>
        cells.Select(c => new LatencyRollupRow(c.Key.Item1, c.Key.Item2, c.Key.Item3, c.Key.Item4, c.Key.Item5, c.Value.CacheCalls, c.Value.Histogram));

    private string Param(object value)
    {
        var name = "p" + (_count++).ToString(CultureInfo.InvariantCulture);
        _parameters.Add((name, value));
        return "@" + name;
    }

    private List<string> Filters(LedgerFilter filter) => [.. LedgerColumns.DimensionFilters(filter).Select(f => $"{f.Column} = {Param(f.Value)}")];
}
