namespace Tollgate.Tokens;

/// <summary>
/// A small built-in table of maximum output tokens of common models (from the providers' model pages, late 2025),
/// matched by family: the longest family that matches the model name wins (<c>gpt-4o-mini</c> before
/// <c>gpt-4o</c>), a family matching the name or the name followed by <c>-</c> (dated versions).
/// Configuration or the model catalog should replace it (implement <see cref="IModelLimits"/>).
/// </summary>
public sealed class BuiltInModelLimits : IModelLimits
{
    /// <summary>The shared instance.</summary>
    public static BuiltInModelLimits Instance { get; } = new();

    /// <summary>Family → maximum output tokens.</summary>
    public static IReadOnlyDictionary<string, int> Table { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["gpt-5"] = 128_000,
        ["gpt-5-chat-latest"] = 16_384,
        ["gpt-4.1"] = 32_768,
        ["gpt-4.5-preview"] = 16_384,
        ["gpt-4o"] = 16_384,
        ["gpt-4o-2024-05-13"] = 4_096,
        ["gpt-4o-mini"] = 16_384,
        ["chatgpt-4o-latest"] = 16_384,
        ["o1"] = 100_000,
        ["o1-mini"] = 65_536,
        ["o1-preview"] = 32_768,
        ["o1-pro"] = 100_000,
        ["o3"] = 100_000,
        ["o3-mini"] = 100_000,
        ["o3-pro"] = 100_000,
        ["o4-mini"] = 100_000,
        ["gpt-4-turbo"] = 4_096,
        ["gpt-4"] = 8_192,
        ["gpt-4-32k"] = 32_768,
        ["gpt-3.5-turbo"] = 4_096,
        ["claude-opus-4"] = 32_000,
        ["claude-opus-4-1"] = 32_000,
        ["claude-opus-4-5"] = 64_000,
        ["claude-sonnet-4"] = 64_000,
        ["claude-sonnet-4-5"] = 64_000,
        ["claude-haiku-4-5"] = 64_000,
        ["claude-3-7-sonnet"] = 64_000,
        ["claude-3-5-sonnet"] = 8_192,
        ["claude-3-5-haiku"] = 8_192,
        ["claude-3-opus"] = 4_096,
        ["claude-3-haiku"] = 4_096,
        ["gemini-2.5-pro"] = 65_536,
        ["gemini-2.5-flash"] = 65_536,
        ["gemini-2.5-flash-lite"] = 65_536,
        ["gemini-2.0-flash"] = 8_192,
        ["gemini-2.0-flash-lite"] = 8_192,
        ["gemini-1.5-pro"] = 8_192,
        ["gemini-1.5-flash"] = 8_192,
    };

    public int? GetMaxOutputTokens(string provider, string model)
    {
        var name = ModelNames.Normalize(model, out _);
        string? best = null;
        foreach (var family in Table.Keys)
        {
            if ((best is null || family.Length > best.Length) && (name == family || name.StartsWith(family + "-", StringComparison.Ordinal)))
            {
                best = family;
            }
        }

        return best is null ? null : Table[best];
    }
}
