namespace Tollgate.Tokens;

/// <summary>Model-name matching shared by the tokenizer, image and limits tables: by family, never by substring.</summary>
internal static class ModelNames
{
    /// <summary>Lower-cases and trims <paramref name="model"/> and splits off a <c>provider/</c> prefix.</summary>
    public static string Normalize(string? model, out string provider)
    {
        var name = (model ?? "").Trim().ToLowerInvariant();
        provider = "";
        var slash = name.LastIndexOf('/');
        if (slash >= 0)
        {
            provider = name[..slash];
            name = name[(slash + 1)..];
        }

        return name;
    }

    /// <summary>
    /// <paramref name="name"/> is <paramref name="family"/>, or the family followed by <c>-</c> (dated versions and
    /// variants), <c>:</c> or <c>@</c> (tags); <c>gpt-5</c> and <c>anthropic</c> also by <c>.</c> (point releases,
    /// Bedrock ids); a few families by a digit (<c>llama3</c>, <c>qwen2.5</c>).
    /// </summary>
    public static bool Matches(string name, string family)
    {
        if (!name.StartsWith(family, StringComparison.Ordinal))
        {
            return false;
        }

        if (name.Length == family.Length)
        {
            return true;
        }

        var next = name[family.Length];
        return next is '-' or ':' or '@'
            || (next == '.' && family is "gpt-5" or "anthropic")
            || (next is >= '0' and <= '9' && family is "claude" or "gemini" or "llama" or "qwen" or "glm" or "command");
    }

    public static bool MatchesAny(string name, params ReadOnlySpan<string> families)
    {
        foreach (var family in families)
        {
            if (Matches(name, family))
            {
                return true;
            }
        }

        return false;
    }
}
