namespace Tollgate.Audit;

/// <summary>Which audit entries to read: <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive), newest first, at most <see cref="Limit"/>.</summary>
public sealed record AuditQuery(DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = 100)
{
    /// <summary>The most entries one query returns.</summary>
    public const int MaxLimit = 10_000;
}
