using System.Text;

namespace Tollgate.Reconciliation.Reading;

/// <summary>A CSV (or tab-separated) file parsed per RFC 4180: a header of column names, then rows; quoted fields may hold the separator, quotes and line breaks.</summary>
internal sealed class CsvTable
{
    private CsvTable(IReadOnlyList<string> columns, List<(int Line, string[] Cells)> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    /// <summary>Column names, trimmed and lower-cased.</summary>
    public IReadOnlyList<string> Columns { get; }

    public List<(int Line, string[] Cells)> Rows { get; }

    public int Index(params string[] names)
    {
        foreach (var name in names)
        {
            for (var i = 0; i < Columns.Count; i++)
            {
                if (Columns[i] == name)
                {
                    return i;
                }
            }
        }

        return -1;
    }

    public static CsvTable Parse(ProviderFile file)
    {
        var text = file.Text.TrimStart('\uFEFF');
        var firstLine = text.AsSpan(0, Math.Max(0, text.IndexOf('\n') is var n and >= 0 ? n : text.Length));
        var separator = firstLine.Count('\t') > firstLine.Count(',') ? '\t' : ',';
        var records = new List<(int Line, string[] Cells)>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    line += c == '\n' ? 1 : 0;
                    cell.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when cell.Length == 0:
                    quoted = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    cells.Add(cell.ToString());
                    cell.Clear();
                    Add(records, cells, recordLine);
                    line++;
                    recordLine = line;
                    break;
                default:
                    if (c == separator)
                    {
                        cells.Add(cell.ToString());
                        cell.Clear();
                    }
                    else
                    {
                        cell.Append(c);
                    }

                    break;
            }
        }

        if (quoted)
        {
            throw new ExportFormatException($"{file.Name} line {recordLine}: a quoted field is not closed — a truncated file: export it again");
        }

        cells.Add(cell.ToString());
        Add(records, cells, recordLine);
        if (records.Count == 0)
        {
            throw new ExportFormatException($"{file.Name}: empty file: give the export with its header row");
        }

        var header = records[0].Cells.Select(h => h.Trim().ToLowerInvariant()).ToArray();
        records.RemoveAt(0);
        foreach (var (number, row) in records)
        {
            if (row.Length != header.Length)
            {
                throw new ExportFormatException($"{file.Name} line {number}: {row.Length} fields where the header has {header.Length} — a truncated or damaged file: export it again");
            }
        }

        return new CsvTable(header, records);
    }

    private static void Add(List<(int, string[])> records, List<string> cells, int line)
    {
        if (cells.Count > 1 || cells[0].Trim().Length > 0)
        {
            records.Add((line, [.. cells]));
        }

        cells.Clear();
    }
}
