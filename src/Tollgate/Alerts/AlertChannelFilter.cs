namespace Tollgate.Alerts;

/// <summary>Which alerts one channel takes: a minimum severity and, optionally, a list of kinds (a kind ending in <c>*</c> is a prefix).</summary>
public sealed record AlertChannelFilter(AlertSeverity MinimumSeverity, IReadOnlyList<string> Kinds)
{
    public static AlertChannelFilter Everything { get; } = new(AlertSeverity.Info, []);

    public bool Accepts(Alert alert)
    {
        if (AlertKinds.IsFeedback(alert.Kind) || alert.Severity < MinimumSeverity)
        {
            return false;
        }

        if (Kinds.Count == 0 || alert.Kind == AlertKinds.Test)
        {
            return true;
        }

        foreach (var kind in Kinds)
        {
            if (kind.EndsWith('*') ? alert.Kind.StartsWith(kind[..^1], StringComparison.Ordinal) : string.Equals(kind, alert.Kind, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
