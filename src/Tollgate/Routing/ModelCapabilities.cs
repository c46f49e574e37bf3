namespace Tollgate.Routing;

/// <summary>What one provider's model can do: the facts routing filters on. Unknown limits are null (not checked).</summary>
public sealed record ModelCapabilities
{
    public required string Provider { get; init; }

    public required string Model { get; init; }

    public GenerationType Mode { get; init; } = GenerationType.Chat;

    /// <summary>Input + output tokens the model accepts; null when unknown.</summary>
    public long? ContextWindow { get; init; }

    public int? MaxOutputTokens { get; init; }

    /// <summary>How <see cref="RouteCandidate.MissingCapability"/> names a missing <see cref="Vision"/>.</summary>
    public const string VisionName = "image input (vision)";

    /// <summary>How <see cref="RouteCandidate.MissingCapability"/> names missing <see cref="Tools"/>.</summary>
    public const string ToolsName = "tool calling";

    /// <summary>How <see cref="RouteCandidate.MissingCapability"/> names a missing <see cref="JsonSchema"/>.</summary>
    public const string JsonSchemaName = "JSON schema output";

    public bool Vision { get; init; }

    public bool Tools { get; init; }

    /// <summary>Structured output with a JSON schema (or JSON mode).</summary>
    public bool JsonSchema { get; init; }

    /// <summary>1 (basic) … 5 (frontier); a request may demand a minimum.</summary>
    public int QualityTier { get; init; } = 3;

    public ProviderModelKey Key => new(Provider, Model);
}
