namespace Tollgate.Tokens;

/// <summary>The input tokens of a chat request, by kind. <see cref="IsEstimate"/> says whether any part was approximated.</summary>
public sealed record ChatTokenCount
{
    public required string Model { get; init; }

    /// <summary>The encoding the text was counted with.</summary>
    public required string Encoding { get; init; }

    /// <summary>Message text and framing (per-message overhead, roles, names, tool calls, reply priming).</summary>
    public long MessageTokens { get; init; }

    /// <summary>Tool (function) definitions.</summary>
    public long ToolTokens { get; init; }

    public long ImageTokens { get; init; }

    public long AudioTokens { get; init; }

    public long Total => MessageTokens + ToolTokens + ImageTokens + AudioTokens;

    /// <summary>True when any part is an approximation (a non-OpenAI model, images of unknown size, tool calls, files…).</summary>
    public bool IsEstimate { get; init; }

    /// <summary>What was approximated, for logs and the CLI.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
