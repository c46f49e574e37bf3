using Tollgate.Costing;

namespace Tollgate.Pricing;

/// <summary>
/// The result of extracting usage from a provider's response body: the <see cref="Usage"/> and the model the body
/// names, or an <see cref="Error"/> saying what is wrong (an expected outcome, not an exception).
/// </summary>
public sealed record UsageExtraction
{
    public Usage? Usage { get; init; }

    /// <summary>The model reference found in the body (e.g. <c>gpt-4o-2024-08-06</c>); null when the body names none (usage is still extracted; the call is unpriced).</summary>
    public string? Model { get; init; }

    /// <summary>Why extraction failed; null on success.</summary>
    public string? Error { get; init; }

    public bool Success => Error is null;

    public static UsageExtraction Failed(string error, string? model = null) => new() { Error = error, Model = model };
}
