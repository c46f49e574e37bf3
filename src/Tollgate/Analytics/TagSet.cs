namespace Tollgate.Analytics;

/// <summary>
/// The rules for tags a caller sets on a request (and filters or groups reports by): at most <see cref="MaxTags"/>
/// tags, keys of 1–<see cref="MaxKeyLength"/> characters from <c>[A-Za-z0-9_.:-]</c>, values of at most
/// <see cref="MaxValueLength"/> printable characters. Bounded so a client cannot grow the ledger without limit.
/// </summary>
public static class TagSet
{
    public const int MaxTags = 16;
    public const int MaxKeyLength = 64;
    public const int MaxValueLength = 128;

    public static bool IsValidKey(string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= MaxKeyLength &&
        key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':');

    public static bool IsValidValue(string? value) =>
        value is not null && value.Length <= MaxValueLength && !value.Any(char.IsControl);

    /// <summary>
    /// Parses <c>key=value,key=value</c> (as in the <c>x-tollgate-tags</c> header); null on success with the tags,
    /// otherwise the reason. Whitespace around keys and values is dropped; a repeated key is an error.
    /// </summary>
    public static string? TryParse(string? text, out Dictionary<string, string> tags)
    {
        tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return $"tag '{Shorten(part)}' is not key=value (e.g. feature=search)";
            }

            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            var error = Check(key, value);
            if (error is not null)
            {
                return error;
            }

            if (!tags.TryAdd(key, value))
            {
                return $"tag '{key}' is given twice";
            }
        }

        return tags.Count > MaxTags ? $"{tags.Count} tags given; at most {MaxTags} are allowed" : null;
    }

    /// <summary>Null when the tag is valid, otherwise what is wrong with it.</summary>
    public static string? Check(string key, string value) =>
        !IsValidKey(key) ? $"tag key '{Shorten(key)}' is invalid: use 1–{MaxKeyLength} letters, digits, '_', '-', '.' or ':'"
        : !IsValidValue(value) ? $"tag '{key}' has a value longer than {MaxValueLength} characters or with control characters"
        : null;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
