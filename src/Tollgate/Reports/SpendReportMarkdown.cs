using System.Globalization;
using System.Text;

namespace Tollgate.Reports;

/// <summary>A <see cref="SpendReport"/> as Markdown: the summary and every table (charts are in the HTML form).</summary>
public static class SpendReportMarkdown
{
    public static string Render(SpendReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.AppendLine("# Tollgate spend report").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{SpendReportTables.Range(report)}, generated {report.GeneratedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC.").AppendLine();
        md.AppendLine("## Summary").AppendLine();
        md.AppendLine("| | |").AppendLine("|---|---:|");
        foreach (var (label, value) in SpendReportTables.Summary(report))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {Cell(label)} | {Cell(value)} |");
        }

        md.AppendLine();
        Table(md, SpendReportTables.Trend(report));
        md.AppendLine("## Breakdowns").AppendLine();
        foreach (var (dimension, breakdown) in report.Breakdowns)
        {
            Table(md, SpendReportTables.Breakdown(dimension, breakdown, report.Currency), level: 3);
        }

        Table(md, SpendReportTables.Comparison(report));
        if (report.ComparisonNote is { } note)
        {
            md.Append('*').Append(note).AppendLine(".*").AppendLine();
        }

        md.AppendLine("## Usage patterns").AppendLine();
        Table(md, SpendReportTables.Weekdays(report), level: 3);
        Table(md, SpendReportTables.Hours(report), level: 3);
        if (report.Budgets.Count > 0)
        {
            Table(md, SpendReportTables.Budgets(report));
        }

        return md.ToString();
    }

    private static void Table(StringBuilder md, ReportTable table, int level = 2)
    {
        md.Append('#', level).Append(' ').AppendLine(table.Title).AppendLine();
        if (table.Rows.Count == 0)
        {
            md.AppendLine("(no records)").AppendLine();
            return;
        }

        md.Append("| ").Append(string.Join(" | ", table.Header.Select(Cell))).AppendLine(" |");
        md.Append('|').Append(string.Join("|", table.Header.Select((_, i) => i >= table.FirstNumericColumn ? "---:" : "---"))).AppendLine("|");
        foreach (var row in table.Rows)
        {
            md.Append("| ").Append(string.Join(" | ", row.Select(Cell))).AppendLine(" |");
        }

        md.AppendLine();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
