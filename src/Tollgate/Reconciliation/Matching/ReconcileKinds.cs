namespace Tollgate.Reconciliation.Matching;

/// <summary>The wire names of <see cref="ReconcileKind"/> and the token kinds in order.</summary>
public static class ReconcileKinds
{
    /// <summary>The token kinds (input in its parts, then output).</summary>
    public static IReadOnlyList<ReconcileKind> Tokens { get; } =
        [ReconcileKind.Input, ReconcileKind.CachedInput, ReconcileKind.CacheWrite5m, ReconcileKind.CacheWrite1h, ReconcileKind.Output];

    public static string Name(ReconcileKind kind) => kind switch
    {
        ReconcileKind.Input => "input",
        ReconcileKind.CachedInput => "cached_input",
        ReconcileKind.CacheWrite5m => "cache_write_5m",
        ReconcileKind.CacheWrite1h => "cache_write_1h",
        ReconcileKind.Output => "output",
        ReconcileKind.Requests => "requests",
        _ => "cost",
    };
}
