namespace Tollgate.Reports;

/// <summary>One table of a rendered report: the same rows in Markdown and HTML. Numeric columns are right-aligned.</summary>
internal sealed record ReportTable(string Title, string[] Header, IReadOnlyList<string[]> Rows, int FirstNumericColumn = 1);
