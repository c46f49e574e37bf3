using System.Text.Json;

namespace Tollgate.Reconciliation.Reading;

/// <summary>
/// The pages of a JSON export file, as the API returned them: one page object, a JSON array of pages, or JSON lines
/// (one page per line). A page cut short is reported with where it breaks.
/// </summary>
internal static class PagedJson
{
    public static List<(JsonElement Page, string Where)> Pages(ProviderFile file)
    {
        var text = file.Text.TrimStart('\uFEFF');
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('['))
        {
            var root = Parse(text, file.Name);
            return [.. root.EnumerateArray().Select((page, i) => (page, $"{file.Name} page {i + 1}"))];
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return [(document.RootElement.Clone(), file.Name)];
        }
        catch (JsonException) when (trimmed.Contains('\n', StringComparison.Ordinal))
        {
            // Not one value: JSON lines, one page per line.
        }
        catch (JsonException ex)
        {
            throw Invalid(file.Name, ex);
        }

        var pages = new List<(JsonElement, string)>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var where = $"{file.Name} line {number}";
            pages.Add((Parse(line, where), where));
        }

        return pages;
    }

    private static JsonElement Parse(string text, string where)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw Invalid(where, ex);
        }
    }

    private static ExportFormatException Invalid(string where, JsonException ex) =>
        new($"{where}: not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}) — a truncated or damaged page: export it again");
}
