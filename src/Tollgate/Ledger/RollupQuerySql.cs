using System.Globalization;
using System.Text;

namespace Tollgate.Ledger;

/// <summary>
/// The SQL both relational stores run for a report over rollups (the same text works in SQLite and PostgreSQL):
/// one <c>SELECT time, dimension, sums … GROUP BY 1, 2</c> per <see cref="RollupSource"/>, joined with UNION ALL.
/// The wide rollups hold a dimension-set id (<c>dim_id</c>); they are joined with <c>ledger_dims</c> for the
/// dimension columns (column names are unique across the joined tables, so they need no qualifier).
/// Parameters are named <c>@…</c>; the caller binds <see cref="Parameters"/>.
/// </summary>
internal sealed class RollupQuerySql
{
    private RollupQuerySql(string text, List<(string Name, object Value)> parameters)
    {
        Text = text;
        Parameters = parameters;
    }

    public string Text { get; }

    public List<(string Name, object Value)> Parameters { get; }

    /// <param name="query">The report.</param>
    /// <param name="dimsJoin">
    /// The join keyword for <c>ledger_dims</c>: SQLite passes <c>CROSS JOIN</c>, which there keeps the rollup (range on its
    /// key) as the outer loop and looks dimension sets up by id, instead of scanning the rollup once per dimension set.
    /// </param>
    public static RollupQuerySql For(LedgerQuery query, string dimsJoin = "JOIN")
    {
        var parameters = new List<(string, object)>();
        var filters = new List<string>();
        var i = 0;
        foreach (var (column, value) in LedgerColumns.DimensionFilters(query.Filter))
        {
            filters.Add($"{column} = @f{i}");
            parameters.Add(($"f{i++}", value));
        }

        var dim = query.GroupBy is { } d ? LedgerColumns.DimensionColumn(d) : "''";
        // CAST: PostgreSQL sums bigints as numeric, which is slow to send and to decode; the totals fit a bigint.
        var sums = string.Join(", ", LedgerColumns.Metrics.Select(m => $"CAST(SUM({m}) AS bigint)"));
        var sql = new StringBuilder();
        var p = 0;
        foreach (var source in RollupSource.Plan(query))
        {
            var where = new List<string>(filters);
            if (source.From is { } from)
            {
                where.Add($"{source.TimeColumn} >= @t{p}");
                parameters.Add(($"t{p++}", from));
            }

            if (source.To is { } to)
            {
                where.Add($"{source.TimeColumn} < @t{p}");
                parameters.Add(($"t{p++}", to));
            }

            if (sql.Length > 0)
            {
                sql.Append(" UNION ALL ");
            }

            var time = query.Bucket is null ? "CAST(0 AS bigint)" : source.TimeColumn;
            sql.Append(CultureInfo.InvariantCulture, $"SELECT {time}, {dim}, {sums} FROM {source.Table}");
            if (source.Table is not RollupSource.ModelHourly)
            {
                sql.Append(CultureInfo.InvariantCulture, $" {dimsJoin} ledger_dims ON id = dim_id");
            }

            if (where.Count > 0)
            {
                sql.Append(" WHERE ").Append(string.Join(" AND ", where));
            }

            sql.Append(" GROUP BY 1, 2");
        }

        return new RollupQuerySql(sql.ToString(), parameters);
    }

    /// <summary>
    /// A report over one session's own records (sessions are small and not a rollup dimension). The stores differ only
    /// in how they read the hour of <c>ts</c> and sum the raw columns, so they pass those expressions in.
    /// </summary>
    public static RollupQuerySql ForSession(LedgerQuery query, string hourOfTs, string rawSums)
    {
        var f = query.Filter;
        var parameters = new List<(string, object)> { ("session", f.SessionId!) };
        var where = new List<string> { "session_id = @session" };
        var (from, to) = LedgerReportBuilder.HourRange(f);
        if (from is { } fh)
        {
            where.Add($"{hourOfTs} >= @from");
            parameters.Add(("from", fh));
        }

        if (to is { } th)
        {
            where.Add($"{hourOfTs} < @to");
            parameters.Add(("to", th));
        }

        var i = 0;
        foreach (var (column, value) in LedgerColumns.DimensionFilters(f))
        {
            where.Add($"{column} = @f{i}");
            parameters.Add(($"f{i++}", value));
        }

        var time = query.Bucket is null ? "CAST(0 AS bigint)" : hourOfTs;
        var dim = query.GroupBy is { } d ? LedgerColumns.DimensionColumn(d) : "CAST(NULL AS text)";
        return new RollupQuerySql(
            $"SELECT {time}, {dim}, {rawSums} FROM ledger_records WHERE {string.Join(" AND ", where)} GROUP BY 1, 2", parameters);
    }
}
