namespace Tollgate.Routing;

/// <summary>What kind of generation a request asks for; each has its own preferred provider.</summary>
public enum GenerationType
{
    Chat,
    Embeddings,
    Image,
    Audio,
}

/// <summary>Parsing and wire names for <see cref="GenerationType"/>.</summary>
public static class GenerationTypes
{
    public static IReadOnlyList<GenerationType> All { get; } = [GenerationType.Chat, GenerationType.Embeddings, GenerationType.Image, GenerationType.Audio];

    /// <summary>The lower-case wire name (<c>chat</c>, <c>embeddings</c>, <c>image</c>, <c>audio</c>).</summary>
    public static string ToWireName(this GenerationType type) => type switch
    {
        GenerationType.Chat => "chat",
        GenerationType.Embeddings => "embeddings",
        GenerationType.Image => "image",
        GenerationType.Audio => "audio",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool TryParse(string? value, out GenerationType type)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToWireName(), value?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }
}
