namespace Tollgate.Tokens;

/// <summary>OpenAI's <c>image_url.detail</c>.</summary>
public enum ImageDetail
{
    /// <summary>The model chooses; counted as <see cref="High"/> (the worst case).</summary>
    Auto,
    Low,
    High,
}
