using System.Globalization;
using System.Text;

namespace Tollgate.Reports;

/// <summary>
/// A <see cref="SpendReport"/> as one self-contained HTML file (inline CSS and SVG charts, no script, no external
/// resource) that can be mailed, opened offline and printed.
/// </summary>
public static class SpendReportHtml
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;margin:2rem auto;max-width:60rem;padding:0 1rem;line-height:1.4}
        h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #e5e7eb}h3{font-size:1rem}
        .muted{color:#6b7280}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.9rem}
        th,td{padding:.3rem .5rem;border-bottom:1px solid #e5e7eb;text-align:left}th{background:#f3f4f6}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.6rem}.card{border:1px solid #e5e7eb;border-radius:.4rem;padding:.6rem}
        .card b{display:block;font-size:1.1rem}figure{margin:1rem 0}.scroll{overflow-x:auto}
        @media print{body{margin:0;max-width:none}h2{break-after:avoid}table,figure{break-inside:avoid}}
        @media (prefers-color-scheme:dark){body{background:#111827;color:#e5e7eb}th{background:#1f2937}th,td,.card{border-color:#374151}svg{background:#fff;border-radius:.3rem}}
        """;

    public static string Render(SpendReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
        html.Append("<title>Tollgate spend report</title><style>").Append(Style).Append("</style></head><body>");
        html.Append("<h1>Tollgate spend report</h1>");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">{E(SpendReportTables.Range(report))}, generated {report.GeneratedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC.</p>");
        html.Append("<h2>Summary</h2><div class=\"cards\">");
        foreach (var (label, value) in SpendReportTables.Summary(report))
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"card\"><span class=\"muted\">{E(label)}</span><b>{E(value)}</b></div>");
        }

        html.Append("</div><h2>Spend over time</h2><figure>")
            .Append(SvgCharts.Trend(report.Trend, report.Currency, $"Cost per {report.TrendQuery.Bucket.ToString().ToLowerInvariant()} ({report.TimeZone.Id})"))
            .Append("</figure>");
        html.Append("<details><summary>Figures</summary>");
        Table(html, SpendReportTables.Trend(report), heading: false);
        html.Append("</details><h2>Breakdowns</h2>");
        foreach (var (dimension, breakdown) in report.Breakdowns)
        {
            html.Append("<figure>").Append(SvgCharts.Shares(breakdown, report.Currency, $"Cost by {dimension}")).Append("</figure>");
            Table(html, SpendReportTables.Breakdown(dimension, breakdown, report.Currency), level: 3);
        }

        html.Append("<h2>Models side by side</h2>");
        Table(html, SpendReportTables.Comparison(report), heading: false);
        if (report.ComparisonNote is { } note)
        {
            html.Append("<p class=\"muted\">").Append(E(note)).Append(".</p>");
        }

        html.Append("<p class=\"muted\">Score: 100 × success rate × (cheapest cost per 1k tokens ÷ this model's)^0.7 × (fastest median latency ÷ this model's)^0.3.</p>");
        html.Append("<h2>Usage patterns</h2><figure>")
            .Append(SvgCharts.Heatmap(report.Patterns, report.Currency, $"Cost by weekday and hour ({report.TimeZone.Id}); darker is more"))
            .Append("</figure>");
        Table(html, SpendReportTables.Weekdays(report), level: 3);
        Table(html, SpendReportTables.Hours(report), level: 3);
        if (report.Budgets.Count > 0)
        {
            html.Append("<h2>Budgets</h2>");
            Table(html, SpendReportTables.Budgets(report), heading: false);
        }

        return html.Append("</body></html>\n").ToString();
    }

    private static void Table(StringBuilder html, ReportTable table, int level = 2, bool heading = true)
    {
        if (heading)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h{level}>{E(table.Title)}</h{level}>");
        }

        if (table.Rows.Count == 0)
        {
            html.Append("<p class=\"muted\">(no records)</p>");
            return;
        }

        html.Append("<div class=\"scroll\"><table><thead><tr>");
        for (var i = 0; i < table.Header.Length; i++)
        {
            html.Append(i >= table.FirstNumericColumn ? "<th class=\"n\" scope=\"col\">" : "<th scope=\"col\">").Append(E(table.Header[i])).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        foreach (var row in table.Rows)
        {
            html.Append("<tr>");
            for (var i = 0; i < row.Length; i++)
            {
                html.Append(i >= table.FirstNumericColumn ? "<td class=\"n\">" : "<td>").Append(E(row[i])).Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table></div>");
    }

    private static string E(string text) => SvgCharts.Escape(text);
}
