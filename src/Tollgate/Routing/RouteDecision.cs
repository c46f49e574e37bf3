using System.Globalization;
using System.Text;

namespace Tollgate.Routing;

/// <summary>
/// A routing choice and its explanation: the chosen candidate (null when nothing can serve), why, and every other
/// candidate ranked (eligible ones by score, then the excluded ones with their reason).
/// </summary>
public sealed record RouteDecision
{
    public RouteCandidate? Chosen { get; init; }

    /// <summary>Every other candidate: eligible ones best first (the fallback order), then excluded ones.</summary>
    public IReadOnlyList<RouteCandidate> Alternatives { get; init; } = [];

    /// <summary>Why the chosen one won, or why nothing can serve.</summary>
    public required string Reason { get; init; }

    public bool HasChoice => Chosen is not null;

    /// <summary>The chosen candidate followed by the eligible alternatives: the order to try on failure.</summary>
    public IEnumerable<RouteCandidate> FallbackChain =>
        Chosen is null ? [] : new[] { Chosen }.Concat(Alternatives.Where(a => a.IsEligible));

    /// <summary>A human-readable explanation.</summary>
    public string Explain()
    {
        var text = new StringBuilder();
        text.AppendLine(Chosen is null ? $"no candidate: {Reason}" : $"chosen: {Describe(Chosen)} ({Reason})");
        foreach (var alternative in Alternatives)
        {
            text.AppendLine($"  {Describe(alternative)}{(alternative.Excluded is null ? "" : $"  excluded: {alternative.Excluded}")}");
        }

        return text.ToString();
    }

    private static string Describe(RouteCandidate candidate)
    {
        var cost = candidate.WorstCaseCost is { } c ? "$" + Costing.Money.Format(c) : "unpriced";
        var score = candidate.Score is { } s ? s.ToString("0.000", CultureInfo.InvariantCulture) : "-";
        return $"{candidate.Provider}/{candidate.Model} worst case {cost} score {score}";
    }
}
