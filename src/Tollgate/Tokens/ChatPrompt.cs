namespace Tollgate.Tokens;

/// <summary>
/// The parts of an OpenAI-format chat request that cost input tokens, plus the output limit. Built from JSON with
/// <see cref="ChatPromptParser"/> or by hand (e.g. from Microsoft.Extensions.AI messages).
/// </summary>
public sealed class ChatPrompt
{
    public string? Model { get; init; }

    public IReadOnlyList<PromptMessage> Messages { get; init; } = [];

    /// <summary>Tool (function) definitions offered to the model.</summary>
    public IReadOnlyList<PromptTool> Tools { get; init; } = [];

    /// <summary><c>max_completion_tokens</c>, else <c>max_tokens</c>; null when the request sets neither.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary><c>n</c>: how many choices are generated (each may use the full output limit).</summary>
    public int Choices { get; init; } = 1;
}

/// <summary>One message: role, text or content parts, optional name, tool calls (assistant) or tool call id (tool).</summary>
public sealed class PromptMessage
{
    public required string Role { get; init; }

    /// <summary>Plain text content (<c>content</c> as a string).</summary>
    public string? Content { get; init; }

    /// <summary>Content parts (<c>content</c> as an array): text, images, audio, files.</summary>
    public IReadOnlyList<PromptPart> Parts { get; init; } = [];

    public string? Name { get; init; }

    public IReadOnlyList<PromptToolCall> ToolCalls { get; init; } = [];

    public string? ToolCallId { get; init; }
}

/// <summary>A content part of a message.</summary>
public abstract record PromptPart;

/// <summary>A text part.</summary>
public sealed record PromptText(string Text) : PromptPart;

/// <summary>An image; <see cref="Width"/>/<see cref="Height"/> are null when unknown (a remote URL).</summary>
public sealed record PromptImage(int? Width, int? Height, ImageDetail Detail = ImageDetail.Auto) : PromptPart;

/// <summary>Input audio; <see cref="Duration"/> is null when unknown, <see cref="DurationIsEstimate"/> when guessed from size.</summary>
public sealed record PromptAudio(TimeSpan? Duration, bool DurationIsEstimate = false) : PromptPart;

/// <summary>A part Tollgate cannot count (a file, an unknown type): it makes the count an estimate.</summary>
public sealed record PromptOther(string Type) : PromptPart;

/// <summary>A tool call made by the assistant in an earlier turn.</summary>
public sealed record PromptToolCall(string? Id, string Name, string Arguments);

/// <summary>A function tool: name, description and the JSON schema of its parameters (raw JSON, may be null).</summary>
public sealed record PromptTool(string Name, string? Description, string? ParametersJson);
