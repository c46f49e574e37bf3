namespace Tollgate.Routing;

/// <summary>One provider model considered for a request, with its numbers and, when ruled out, why.</summary>
public sealed record RouteCandidate
{
    public required string Provider { get; init; }

    public required string Model { get; init; }

    /// <summary>Input plus max output priced at the highest output rate; null when the model has no price.</summary>
    public decimal? WorstCaseCost { get; init; }

    /// <summary>Weighted score in [0, 1]; null for excluded candidates.</summary>
    public double? Score { get; init; }

    /// <summary>Share of the score backed by known data, in [0, 1].</summary>
    public double Confidence { get; init; }

    /// <summary>Why the candidate cannot serve this request; null when it can.</summary>
    public string? Excluded { get; init; }

    /// <summary>
    /// The capability the request needs that this model lacks (<c>vision</c>, <c>tools</c>, <c>JSON schema</c>);
    /// null when it has them all or its capabilities are unknown. A request that fails only on this is a client error.
    /// </summary>
    public string? MissingCapability { get; init; }

    /// <summary>
    /// What of the request this model can never take, whatever its health: <see cref="OversizeMaxOutput"/> (the output
    /// limit is above the model's maximum output) or <see cref="OversizeContext"/> (prompt plus output limit exceed its
    /// context window); null when it fits or its limits are unknown. A request that fails only on this is a client error.
    /// </summary>
    public string? Oversize { get; init; }

    /// <summary>How <see cref="Oversize"/> names an output limit above the model's maximum output.</summary>
    public const string OversizeMaxOutput = "max_output";

    /// <summary>How <see cref="Oversize"/> names a prompt plus output limit beyond the context window.</summary>
    public const string OversizeContext = "context";

    public ModelCapabilities? Capabilities { get; init; }

    public HealthSnapshot Health { get; init; } = HealthSnapshot.Unknown;

    public bool IsEligible => Excluded is null;

    public override string ToString() => $"{Provider}/{Model}";
}
