namespace Tollgate.Providers;

/// <summary>Splits <c>data:image/png;base64,AAAA</c> URLs (how OpenAI-format requests carry inline images).</summary>
internal static class DataUrl
{
    public static bool TryParse(string url, out string mediaType, out string data)
    {
        mediaType = "";
        data = "";
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var comma = url.IndexOf(',', StringComparison.Ordinal);
        var marker = url.IndexOf(";base64", StringComparison.OrdinalIgnoreCase);
        if (comma < 0 || marker < 0 || marker > comma)
        {
            return false;
        }

        mediaType = url[5..marker];
        data = url[(comma + 1)..];
        return true;
    }

    /// <summary>A media type guessed from a URL's extension (Gemini wants one for file URIs).</summary>
    public static string GuessMediaType(string url)
    {
        var path = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.AbsolutePath : url;
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".gif" => "image/gif",
            ".webp" => "image/webp",
            ".pdf" => "application/pdf",
            _ => "image/jpeg",
        };
    }
}
