using System.Globalization;
using System.Text.Json;

namespace Tollgate.Reconciliation.Reading;

/// <summary>Reads the fields of an export's JSON objects, naming the place and the field when one is missing or wrong.</summary>
internal static class JsonFields
{
    public static JsonElement Array(JsonElement obj, string name, string where)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            throw new ExportFormatException($"{where}: \"{name}\" is missing or not an array");
        }

        return value;
    }

    /// <summary>A token or request count: a non-negative integer; 0 when absent or null unless <paramref name="required"/>.</summary>
    public static long Count(JsonElement obj, string name, string where, bool required = false)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new ExportFormatException($"{where}: \"{name}\" is missing") : 0;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var count) || count < 0)
        {
            throw new ExportFormatException($"{where}: \"{name}\" must be a non-negative integer (got {Shorten(value.GetRawText())})");
        }

        return count;
    }

    public static string? Text(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ExportFormatException($"{where}: \"{name}\" must be a string (got {Shorten(value.GetRawText())})");
    }

    public static bool Flag(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ExportFormatException($"{where}: \"{name}\" must be true, false or null"),
        };
    }

    /// <summary>A JSON number (or a number in a string) read as the exact decimal its text spells (never through a double).</summary>
    public static decimal ExactNumber(JsonElement value, string name, string where)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString(),
            _ => null,
        };
        if (text is null || !decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
        {
            throw new ExportFormatException($"{where}: \"{name}\" must be a number (got {Shorten(value.GetRawText())})");
        }

        return amount;
    }

    public static DateTimeOffset UnixSeconds(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds)
            || seconds is < 0 or > 253_402_300_799)
        {
            throw new ExportFormatException($"{where}: \"{name}\" must be a Unix time in seconds");
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    public static DateTimeOffset Timestamp(JsonElement obj, string name, string where)
    {
        var text = Text(obj, name, where);
        return text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.ToUniversalTime()
            : throw new ExportFormatException($"{where}: \"{name}\" must be an RFC 3339 timestamp (got {(text is null ? "nothing" : Shorten(text))})");
    }

    /// <summary>
    /// What tells a result apart within its bucket: its grouping fields (strings, booleans, nulls — the counts and
    /// amounts are what it measures).
    /// </summary>
    public static string Identity(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        var parts = new List<string>();
        foreach (var property in result.EnumerateObject())
        {
            if (property.Name is not ("object" or "amount") && property.Value.ValueKind is JsonValueKind.String or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null)
            {
                parts.Add(property.Name + "=" + (property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText()));
            }
        }

        parts.Sort(StringComparer.Ordinal);
        return string.Join('\u001f', parts);
    }

    public static DateOnly UtcDay(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    public static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
