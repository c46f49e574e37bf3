using System.Globalization;
using System.Text;

namespace Tollgate.Ledger;

/// <summary>
/// The SQL both relational stores run for a report (the same text works in SQLite and PostgreSQL): one
/// <c>SELECT time, dimension, sums … GROUP BY 1, 2</c> per rollup of a <see cref="RollupPlan"/> and per raw piece,
/// joined with UNION ALL. A rollup read over several ranges joins the ranges (a <c>VALUES</c> list) with the rollup's
/// key, one index range scan each. The wide rollups hold a dimension-set id (<c>dim_id</c>); they are joined with
/// <c>ledger_dims</c> for the dimension columns (column names are unique across the joined tables).
/// Parameters are named <c>@…</c>; the caller binds <see cref="Parameters"/>.
/// </summary>
internal sealed class RollupQuerySql
{
    public const string ModelHourly = "ledger_rollup_model_hourly";
    public const string WideHourly = "ledger_rollup_hourly";
    public const string WideDaily = "ledger_rollup_daily";
    public const string WideQuarter = "ledger_rollup_quarter";
    public const string NarrowQuarter = "ledger_rollup_narrow_quarter";
    public const string NarrowDaily = "ledger_rollup_narrow_daily";
    public const string TagQuarter = "ledger_rollup_tag_quarter";
    public const string TagDaily = "ledger_rollup_tag_daily";

    private readonly List<string> _ctes = [];
    private readonly List<string> _selects = [];
    private readonly List<(string Name, object Value)> _parameters = [];
    private bool _lateral;
    private bool _recursive;

    private RollupQuerySql()
    {
    }

    public string Text => (_ctes.Count > 0 ? (_recursive ? "WITH RECURSIVE " : "WITH ") + string.Join(", ", _ctes) + " " : "") +
                          (_selects.Count > 0 ? string.Join(" UNION ALL ", _selects) : "SELECT CAST(0 AS bigint), '', " + EmptySums + " WHERE 1 = 0");

    public List<(string Name, object Value)> Parameters => _parameters;

    private static readonly string EmptySums = string.Join(", ", LedgerColumns.Metrics.Select(_ => "CAST(0 AS bigint)"));

    /// <param name="query">The report.</param>
    /// <param name="plan">What to read.</param>
    /// <param name="raw">How the store sums raw records.</param>
    /// <param name="dimsJoin">
    /// The join keyword: SQLite passes <c>CROSS JOIN</c>, which there keeps the written order (ranges, then the rollup by
    /// its key, then dimension sets by id) instead of scanning the rollup once per dimension set.
    /// </param>
    /// <param name="lateral">
    /// PostgreSQL: join each range with the rollup through <c>CROSS JOIN LATERAL (… OFFSET 0)</c>, one index range scan per
    /// range; joined plainly, its planner scans the whole rollup and filters the ranges afterwards (16× slower on a 10 M
    /// ledger's hourly rollup).
    /// </param>
    public static RollupQuerySql For(LedgerQuery query, RollupPlan plan, RawRecordSql raw, string dimsJoin = "JOIN", bool lateral = false)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var sql = new RollupQuerySql { _lateral = lateral };
        if (LedgerReportBuilder.UsesTagRollups(query))
        {
            return sql.ForTag(query, plan, raw, dimsJoin);
        }

        var byModel = LedgerReportBuilder.CanUseModelRollup(query);
        // A query on provider, model, api flavour and tenant only reads the narrow rollups (dozens of rows a quarter or a
        // day, not a row per dimension set) for its days and quarters, and for its hours when the model rollup cannot.
        var narrow = LedgerReportBuilder.CanUseNarrowRollup(query);
        var quarters = narrow ? NarrowQuarter : WideQuarter;
        var days = narrow ? NarrowDaily : WideDaily;
        sql.AddRollup(query, days, "day", plan.Days, dimsJoin);
        if (byModel || !narrow)
        {
            sql.AddRollup(query, byModel ? ModelHourly : WideHourly, "hour", plan.Hours, dimsJoin);
        }
        else
        {
            sql.AddRollup(query, NarrowQuarter, "quarter", plan.Hours, dimsJoin, rangeName: "hours");
        }

        sql.AddRollup(query, quarters, "quarter", plan.Quarters, dimsJoin);
        sql.AddTimed(query, days, "day", [.. plan.ShiftedDays.Select(d => (d.Day, d.Day + LedgerReportBuilder.SecondsPerDay, d.Time))], dimsJoin, negative: false);
        sql.AddTimed(query, WideHourly, "hour", plan.NegativeHours, dimsJoin, negative: true);
        sql.AddTimed(query, quarters, "quarter", plan.NegativeQuarters, dimsJoin, negative: true);
        foreach (var (from, to) in plan.Raw)
        {
            var start = query.Bucket is null ? 0 : LedgerReportBuilder.Floor(from, 1_000_000) / 1_000_000;
            sql.AddRaw(query, raw, $"CAST({sql.Param(start)} AS bigint)", raw.TsParameter(from), raw.TsParameter(to), session: null);
        }

        return sql;
    }

    /// <summary>
    /// A report grouped by a tag's value or restricted to one tag: the tag rollups for the days, hours (as quarters) and
    /// quarters, and the shifted days' parts, raw records for the edges. The tag rollups are keyed by (tag key, tag
    /// value, time, …), so a tag filter reads one index range per time range. A report grouped by a tag first lists the
    /// key's values (<see cref="TagValues"/>) and reads each value's range: an index range on the key alone would run
    /// over every time of the key, not only the report's.
    /// </summary>
    private RollupQuerySql ForTag(LedgerQuery query, RollupPlan plan, RawRecordSql raw, string dimsJoin)
    {
        var values = query.GroupByTag is { } key ? TagValues(key) : null;
        AddTag(query, TagDaily, "day", [.. plan.Days.Select(r => (r.From, r.To, (long?)null))], values, dimsJoin, negative: false);
        AddTag(query, TagQuarter, "quarter", [.. plan.Hours.Concat(plan.Quarters).Select(r => (r.From, r.To, (long?)null))], values, dimsJoin, negative: false);
        AddTag(query, TagDaily, "day", [.. plan.ShiftedDays.Select(d => (d.Day, d.Day + LedgerReportBuilder.SecondsPerDay, (long?)d.Time))], values, dimsJoin, negative: false);
        AddTag(query, TagQuarter, "quarter", [.. plan.NegativeHours.Concat(plan.NegativeQuarters).Select(r => (r.From, r.To, (long?)r.Time))], values, dimsJoin, negative: true);
        foreach (var (from, to) in plan.Raw)
        {
            var start = query.Bucket is null ? 0 : LedgerReportBuilder.Floor(from, 1_000_000) / 1_000_000;
            AddRaw(query, raw, $"CAST({Param(start)} AS bigint)", raw.TsParameter(from), raw.TsParameter(to), session: null);
        }

        return this;
    }

    /// <summary>
    /// A CTE listing the values the tag <paramref name="key"/> has in the daily tag rollup (which has a row wherever the
    /// quarter-hour one has), one index seek per value (a loose index scan: SQLite and PostgreSQL skip no index prefix
    /// by themselves). Returns its name; its last row is NULL and joins nothing.
    /// </summary>
    private string TagValues(string key)
    {
        _recursive = true;
        var next = $"SELECT tag_value FROM {TagDaily} WHERE tag_key = {Param(key)}";
        _ctes.Add($"tv(v) AS (SELECT ({next} ORDER BY tag_value LIMIT 1) UNION ALL " +
                  $"SELECT ({next} AND tag_value > tv.v ORDER BY tag_value LIMIT 1) FROM tv WHERE tv.v IS NOT NULL)");
        return "tv";
    }

    /// <summary>
    /// Rows of a tag rollup inside <paramref name="ranges"/> (each counted in the bucket of its own <c>Time</c> when it
    /// has one, else of the row's), for the query's tag or — <paramref name="values"/> — each value of its tag key;
    /// added or subtracted.
    /// </summary>
    private void AddTag(LedgerQuery query, string table, string timeColumn, List<(long From, long To, long? Time)> ranges, string? values, string dimsJoin, bool negative)
    {
        if (ranges.Count == 0)
        {
            return;
        }

        var timed = ranges[0].Time is not null;
        var cte = "t" + _ctes.Count.ToString(CultureInfo.InvariantCulture);
        var rows = string.Join(", ", ranges.Select(r => $"(CAST({Param(r.From)} AS bigint), CAST({Param(r.To)} AS bigint), CAST({Param(r.Time ?? 0)} AS bigint))"));
        _ctes.Add($"{cte}(a, b, t) AS (VALUES {rows})");
        var where = new List<string> { $"tag_key = {Param(query.GroupByTag ?? query.Tag!.Value.Key)}" };
        where.Add(values is null ? $"tag_value = {Param(query.Tag!.Value.Value)}" : $"tag_value = {values}.v");
        where.AddRange(LedgerColumns.DimensionFilters(query.Filter).Select(f => $"{f.Column} = {Param(f.Value)}"));
        where.Add($"{timeColumn} >= {cte}.a AND {timeColumn} < {cte}.b");
        string from;
        if (_lateral)
        {
            // One index range scan per (value,) range; the conditions go inside, where the planner sees them.
            from = (values is null ? cte : $"{values} CROSS JOIN {cte}") +
                   $" CROSS JOIN LATERAL (SELECT * FROM {table} WHERE {string.Join(" AND ", where)} OFFSET 0) AS x_{cte}";
        }
        else
        {
            // SQLite keeps the written order of CROSS JOINs: values, then ranges, then the rollup by its key.
            from = (values is null ? cte : $"{values} CROSS JOIN {cte}") + $" {dimsJoin} {table} ON {string.Join(" AND ", where)}";
        }

        var sign = negative ? "-" : "";
        var sums = string.Join(", ", LedgerColumns.Metrics.Select(m => $"{sign}CAST(SUM({m}) AS bigint)"));
        var time = query.Bucket is null ? "CAST(0 AS bigint)" : timed ? cte + ".t" : timeColumn;
        _selects.Add($"SELECT {time}, {Dimension(query)}, {sums} FROM {from} GROUP BY 1, 2");
    }

    /// <summary>
    /// The tag keys (up to 51, in order) of the records of the UTC days <paramref name="filter"/>'s range touches, with its
    /// provider, model, api flavour and tenant filters, from the daily tag rollup: the keys listed by a loose index scan,
    /// each kept when a row of it lies in those days. What an error names when a view asks for a key no record has.
    /// </summary>
    /// <param name="filter">The range and dimension filters.</param>
    /// <param name="open">A store's rows of a statement over its connection, with the parameters named as given (as <see cref="LatencyQuerySql.ReadAsync"/> takes them).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<IReadOnlyList<string>> ReadTagKeysAsync(
        LedgerFilter filter, Func<string, List<(string Name, object Value)>, CancellationToken, ValueTask<ILatencyRows>> open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        var (text, parameters) = TagKeys(filter);
        var keys = new List<string>();
        await using var rows = await open(text, parameters, cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            keys.Add(rows.GetString(0));
        }

        return keys;
    }

    private static (string Text, List<(string Name, object Value)> Parameters) TagKeys(LedgerFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var sql = new RollupQuerySql();
        var where = new List<string> { "t.tag_key = k.v" };
        if (filter.From is { } from)
        {
            where.Add($"t.day >= {sql.Param(LedgerReportBuilder.DayOf(from.ToUnixTimeSeconds()))}");
        }

        if (filter.To is { } to)
        {
            where.Add($"t.day < {sql.Param(LedgerReportBuilder.DayOf(to.AddTicks(-1).ToUnixTimeSeconds()) + LedgerReportBuilder.SecondsPerDay)}");
        }

        where.AddRange(sql.Filters(new LedgerQuery { Filter = filter }).Select(f => "t." + f));
        return ($"""
            WITH RECURSIVE k(v) AS (
                SELECT (SELECT tag_key FROM {TagDaily} ORDER BY tag_key LIMIT 1)
                UNION ALL
                SELECT (SELECT tag_key FROM {TagDaily} WHERE tag_key > k.v ORDER BY tag_key LIMIT 1) FROM k WHERE k.v IS NOT NULL)
            SELECT v FROM k WHERE v IS NOT NULL AND EXISTS (SELECT 1 FROM {TagDaily} t WHERE {string.Join(" AND ", where)}) ORDER BY v LIMIT 51
            """, sql.Parameters);
    }

    /// <summary>A report over one session's own (indexed) records: sessions are small and not a rollup dimension.</summary>
    public static RollupQuerySql ForSession(LedgerQuery query, RawRecordSql raw, long? fromMicros, long? toMicros)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var sql = new RollupQuerySql();
        var time = query.Bucket is null ? "CAST(0 AS bigint)" : raw.SecondOfTs;
        sql.AddRaw(query, raw, time, fromMicros is { } f ? raw.TsParameter(f) : null, toMicros is { } t ? raw.TsParameter(t) : null, query.Filter.SessionId);
        return sql;
    }

    private string Param(object value)
    {
        var name = "p" + _parameters.Count.ToString(CultureInfo.InvariantCulture);
        _parameters.Add((name, value));
        return "@" + name;
    }

    private List<string> Filters(LedgerQuery query)
    {
        var filters = new List<string>();
        foreach (var (column, value) in LedgerColumns.DimensionFilters(query.Filter))
        {
            filters.Add($"{column} = {Param(value)}");
        }

        return filters;
    }

    /// <summary>
    /// Rows of <paramref name="table"/> inside <paramref name="ranges"/>; <paramref name="rangeName"/> names the CTE of
    /// several ranges when two reads of one table need their own (hours read from quarters beside the quarters).
    /// </summary>
    private void AddRollup(LedgerQuery query, string table, string timeColumn, List<(long From, long To)> ranges, string dimsJoin, string? rangeName = null)
    {
        if (ranges.Count == 0)
        {
            return;
        }

        var dim = Dimension(query);
        // CAST: PostgreSQL sums bigints as numeric, which is slow to send and to decode; the totals fit a bigint.
        var sums = string.Join(", ", LedgerColumns.Metrics.Select(m => $"CAST(SUM({m}) AS bigint)"));
        var time = query.Bucket is null ? "CAST(0 AS bigint)" : timeColumn;
        var where = new List<string>();
        var from = new StringBuilder();
        if (ranges.Count == 1)
        {
            where.Add($"{timeColumn} >= {Param(ranges[0].From)}");
            where.Add($"{timeColumn} < {Param(ranges[0].To)}");
            from.Append(table);
        }
        else
        {
            var cte = "r_" + (rangeName ?? timeColumn);
            var values = string.Join(", ", ranges.Select(r => $"(CAST({Param(r.From)} AS bigint), CAST({Param(r.To)} AS bigint))"));
            _ctes.Add($"{cte}(a, b) AS (VALUES {values})");
            from.Append(RangeJoin(cte, table, timeColumn, dimsJoin));
        }

        var filters = Filters(query);
        if (Wide(table) && query.Bucket is null && filters.Count == 0)
        {
            // No time buckets and no filter: sum the range per dimension set first, then join the few thousand sets
            // with their dimensions, instead of joining every (time, set) row. (A filter is cheaper applied per row.)
            var perSet = string.Join(", ", LedgerColumns.Metrics.Select(m => $"CAST(SUM({m}) AS bigint) AS {m}"));
            var outer = string.Join(", ", LedgerColumns.Metrics.Select(m => $"CAST(SUM(x.{m}) AS bigint)"));
            _selects.Add($"SELECT {time}, {dim}, {outer} FROM (SELECT dim_id, {perSet} FROM {from}" +
                         (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + $" GROUP BY dim_id) x {dimsJoin} ledger_dims ON id = x.dim_id GROUP BY 1, 2");
            return;
        }

        if (Wide(table))
        {
            from.Append(CultureInfo.InvariantCulture, $" {dimsJoin} ledger_dims ON id = dim_id");
        }

        where.AddRange(filters);
        _selects.Add($"SELECT {time}, {dim}, {sums} FROM {from}" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " GROUP BY 1, 2");
    }

    /// <summary>
    /// Rows of a rollup over ranges that each count in the bucket of their own <c>Time</c> (not the row's), added
    /// or — <paramref name="negative"/> — subtracted: the shifted days of a <see cref="RollupPlan"/>.
    /// </summary>
    private void AddTimed(LedgerQuery query, string table, string timeColumn, List<(long From, long To, long Time)> ranges, string dimsJoin, bool negative, string? rangeName = null)
    {
        if (ranges.Count == 0)
        {
            return;
        }

        var dim = Dimension(query);
        var sign = negative ? "-" : "";
        var sums = string.Join(", ", LedgerColumns.Metrics.Select(m => $"{sign}CAST(SUM({m}) AS bigint)"));
        var cte = (negative ? "n_" : "s_") + (rangeName ?? timeColumn);
        var values = string.Join(", ", ranges.Select(r => $"(CAST({Param(r.From)} AS bigint), CAST({Param(r.To)} AS bigint), CAST({Param(r.Time)} AS bigint))"));
        _ctes.Add($"{cte}(a, b, t) AS (VALUES {values})");
        var where = Filters(query);
        var dims = Wide(table) ? $" {dimsJoin} ledger_dims ON id = dim_id" : "";
        _selects.Add($"SELECT {(query.Bucket is null ? "CAST(0 AS bigint)" : cte + ".t")}, {dim}, {sums} FROM {RangeJoin(cte, table, timeColumn, dimsJoin)}" +
                     dims + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " GROUP BY 1, 2");
    }

    /// <summary>True for the rollups keyed by a dimension-set id (joined with <c>ledger_dims</c>); false for those holding their dimensions.</summary>
    private static bool Wide(string table) => table is not (ModelHourly or NarrowQuarter or NarrowDaily or TagQuarter or TagDaily);

    /// <summary>The grouped column of a rollup read: the dimension's, the tag rollups' value, or none.</summary>
    private static string Dimension(LedgerQuery query) =>
        query.GroupByTag is not null ? "tag_value" : query.GroupBy is { } d ? LedgerColumns.DimensionColumn(d) : "''";

    /// <summary>The ranges of <paramref name="cte"/> joined with the rows of <paramref name="table"/> inside each.</summary>
    private string RangeJoin(string cte, string table, string timeColumn, string dimsJoin) => _lateral
        ? $"{cte} CROSS JOIN LATERAL (SELECT * FROM {table} WHERE {timeColumn} >= {cte}.a AND {timeColumn} < {cte}.b OFFSET 0) AS x_{cte}"
        : $"{cte} {dimsJoin} {table} ON {timeColumn} >= {cte}.a AND {timeColumn} < {cte}.b";

    private void AddRaw(LedgerQuery query, RawRecordSql raw, string time, object? from, object? to, string? session)
    {
        var where = new List<string>();
        if (session is not null)
        {
            where.Add($"session_id = {Param(session)}");
        }

        if (from is not null)
        {
            where.Add($"ts >= {Param(from)}");
        }

        if (to is not null)
        {
            where.Add($"ts < {Param(to)}");
        }

        where.AddRange(Filters(query));
        string dim;
        if (query.GroupByTag is { } tag)
        {
            // Only the records that carry the tag, grouped by its value (the tag rollups hold no others).
            dim = raw.TagValue(Param(tag));
            where.Add($"{dim} IS NOT NULL");
        }
        else
        {
            if (query.Tag is { } only)
            {
                where.Add($"{raw.TagValue(Param(only.Key))} = {Param(only.Value)}");
            }

            dim = query.GroupBy is { } d ? LedgerColumns.DimensionColumn(d) : "''";
        }

        _selects.Add($"SELECT {time}, {dim}, {raw.Sums} FROM ledger_records" +
                     (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " GROUP BY 1, 2");
    }
}
