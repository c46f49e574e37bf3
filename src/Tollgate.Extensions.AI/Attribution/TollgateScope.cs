using Tollgate.Ledger;

namespace Tollgate.Extensions.AI;

/// <summary>
/// An ambient attribution for every Tollgate-metered call made in the current async flow until it is disposed:
/// <c>using var scope = tollgate.BeginScope(user: "u1", tenant: "t1");</c>. Nested scopes combine (the inner
/// value wins, tags merge) and every scope keeps the totals of the calls made inside it, nested ones included.
/// </summary>
public sealed class TollgateScope : IDisposable
{
    private static readonly AsyncLocal<TollgateScope?> CurrentScope = new();

    private readonly Lock _totalsGate = new();
    private LedgerMetrics _totals;
    private bool _disposed;

    internal TollgateScope(TollgateScope? parent, TollgateAttribution own)
    {
        Parent = parent;
        Attribution = parent is null ? own : parent.Attribution.CombineWith(own);
    }

    /// <summary>The innermost scope of the current async flow, or null.</summary>
    public static TollgateScope? Current => CurrentScope.Value;

    /// <summary>The enclosing scope, or null.</summary>
    public TollgateScope? Parent { get; }

    /// <summary>The combined attribution (this scope over its parents).</summary>
    public TollgateAttribution Attribution { get; }

    /// <summary>
    /// Usage and cost of the calls made inside this scope (nested scopes included) so far, as they were
    /// recorded: requests, tokens, cost, and how many were estimated, unpriced or failed.
    /// </summary>
    public LedgerMetrics Totals
    {
        get
        {
            lock (_totalsGate)
            {
                return _totals;
            }
        }
    }

    internal static TollgateScope Begin(TollgateAttribution own)
    {
        var scope = new TollgateScope(CurrentScope.Value, own);
        CurrentScope.Value = scope;
        return scope;
    }

    /// <summary>Adds a recorded call to this scope and every enclosing one.</summary>
    internal void Add(UsageRecord record)
    {
        var metrics = LedgerMetrics.Of(record);
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            lock (scope._totalsGate)
            {
                scope._totals += metrics;
            }
        }
    }

    /// <summary>Ends the scope: the current async flow goes back to the enclosing scope.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // Disposing an outer scope while an inner one is still current ends both: the flow goes back to
        // this scope's parent. A scope that is no longer in the current chain leaves the flow alone.
        for (var scope = CurrentScope.Value; scope is not null; scope = scope.Parent)
        {
            if (ReferenceEquals(scope, this))
            {
                CurrentScope.Value = Parent;
                return;
            }
        }
    }
}
