using Tollgate.Costing;

namespace Tollgate.Tokens;

/// <summary>
/// The most a request can cost: its counted input plus the maximum output, priced at the applicable tier and at the
/// higher of the output and reasoning rates. What a budget holds before the call.
/// </summary>
public sealed record WorstCaseEstimate
{
    public required string Provider { get; init; }

    public required string Model { get; init; }

    public required long InputTokens { get; init; }

    /// <summary>Output tokens assumed (limit × choices, by <see cref="Metering.OutputBound"/>).</summary>
    public long? MaxOutputTokens { get; init; }

    /// <summary>Where the output limit came from: <c>request</c>, <c>model-limits</c>, <c>context-window</c> or <c>default</c>.</summary>
    public required string MaxOutputSource { get; init; }

    /// <summary>True when the cost is known (the model is priced).</summary>
    public bool Priced => Cost is not null;

    /// <summary>The worst-case cost; null when unpriced (never read as zero).</summary>
    public decimal? Cost { get; init; }

    public string Currency { get; init; } = "USD";

    /// <summary>The breakdown of the priced variant that was higher.</summary>
    public CostBreakdown? Breakdown { get; init; }

    /// <summary>True when pricing all output as reasoning was the higher variant.</summary>
    public bool PricedAsReasoning { get; init; }

    /// <summary>Why <see cref="Cost"/> is null.</summary>
    public string? UnpricedReason { get; init; }

    /// <summary>True when the input count is an approximation.</summary>
    public bool IsEstimate { get; init; }

    /// <summary><see cref="Cost"/> in nano-units rounded up (a hold never under-reserves); null when unpriced.</summary>
    public long? CostNanos => Cost is decimal cost ? Money.ToNanosCeiling(cost) : null;
}
