namespace Tollgate.Reconciliation.Matching;

/// <summary>What is compared in a day × model cell: the token kinds (adding up to all input once, then output), requests, and cost.</summary>
public enum ReconcileKind
{
    /// <summary>Uncached input tokens.</summary>
    Input,

    /// <summary>Input tokens read from the cache.</summary>
    CachedInput,

    /// <summary>Input tokens written to a 5-minute cache.</summary>
    CacheWrite5m,

    /// <summary>Input tokens written to a 1-hour cache.</summary>
    CacheWrite1h,

    Output,

    /// <summary>Model requests (only when the export counts them: OpenAI's).</summary>
    Requests,

    /// <summary>USD (only with a cost export).</summary>
    Cost,
}
