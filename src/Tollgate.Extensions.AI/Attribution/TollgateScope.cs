using Tollgate.Costing;

namespace Tollgate.Extensions.AI;

/// <summary>
/// An ambient attribution for every Tollgate-metered call made in the current async flow until it is disposed:
/// <c>using var scope = tollgate.BeginScope(user: "u1", tenant: "t1");</c>. Nested scopes combine (the inner
/// value wins, tags merge) and every scope keeps the totals of the calls made inside it, nested ones included.
/// </summary>
public sealed class TollgateScope : IDisposable
{
    private static readonly AsyncLocal<TollgateScope?> CurrentScope = new();

    private long _calls;
    private long _inputTokens;
    private long _outputTokens;
    private long _costNanos;
    private long _estimatedCalls;
    private long _unpricedCalls;
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

    /// <summary>Usage and cost of the calls made inside this scope so far.</summary>
    public TollgateScopeTotals Totals => new(
        Interlocked.Read(ref _calls),
        Interlocked.Read(ref _inputTokens),
        Interlocked.Read(ref _outputTokens),
        Money.FromNanos(Interlocked.Read(ref _costNanos)),
        Interlocked.Read(ref _estimatedCalls),
        Interlocked.Read(ref _unpricedCalls));

    internal static TollgateScope Begin(TollgateAttribution own)
    {
        var scope = new TollgateScope(CurrentScope.Value, own);
        CurrentScope.Value = scope;
        return scope;
    }

    /// <summary>Adds a settled call to this scope and every enclosing one.</summary>
    internal void Add(Usage usage, CostBreakdown cost, bool estimated)
    {
        var costNanos = cost.Priced ? Money.ToNanos(cost.TotalCost) : 0;
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            Interlocked.Increment(ref scope._calls);
            Interlocked.Add(ref scope._inputTokens, usage.InputTokens);
            Interlocked.Add(ref scope._outputTokens, usage.OutputTokens);
            Interlocked.Add(ref scope._costNanos, costNanos);
            if (estimated)
            {
                Interlocked.Increment(ref scope._estimatedCalls);
            }

            if (!cost.Priced)
            {
                Interlocked.Increment(ref scope._unpricedCalls);
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
