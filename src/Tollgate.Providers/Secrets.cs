namespace Tollgate.Providers;

/// <summary>Removes API keys from any text that might reach a log, an exception or a client.</summary>
internal static class Secrets
{
    public const string Mask = "[redacted]";

    public static string Redact(string text, string? key)
    {
        if (string.IsNullOrEmpty(text) || string.IsNullOrEmpty(key) || key.Length < 4)
        {
            return text;
        }

        return text.Replace(key, Mask, StringComparison.Ordinal);
    }

    public static string Truncate(string text, int max = 1000) => text.Length <= max ? text : text[..max] + "…";
}
