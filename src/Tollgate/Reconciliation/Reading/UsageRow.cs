namespace Tollgate.Reconciliation.Reading;

/// <summary>
/// One provider usage result mapped onto the reconciliation's token kinds: <see cref="Input"/> is uncached input only
/// (the cache reads and writes are their own kinds), so the kinds add up to all input once.
/// </summary>
public sealed record UsageRow
{
    public required DateOnly Day { get; init; }

    /// <summary>The model as the provider named it (a dated snapshot, an alias).</summary>
    public required string Model { get; init; }

    /// <summary>Where the row was read (file, page, bucket, result), for errors.</summary>
    public string Source { get; init; } = "";

    public bool Batch { get; init; }

    /// <summary>Anthropic's <c>service_tier</c> (<c>standard</c>, <c>batch</c>, <c>priority</c>, …); OpenAI's when grouped by it.</summary>
    public string? ServiceTier { get; init; }

    public long Input { get; init; }

    public long CachedInput { get; init; }

    public long CacheWrite5m { get; init; }

    public long CacheWrite1h { get; init; }

    public long Output { get; init; }

    /// <summary>Model requests; null when the export does not count them (Anthropic's usage report).</summary>
    public long? Requests { get; init; }

    public bool IsPriority => ServiceTier is { } tier && tier.StartsWith("priority", StringComparison.OrdinalIgnoreCase);
}
