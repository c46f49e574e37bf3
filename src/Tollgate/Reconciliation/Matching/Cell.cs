namespace Tollgate.Reconciliation.Matching;

/// <summary>
/// One UTC day × model: the ledger's and the provider's tallies, the provider's batch and Priority Tier shares, and
/// whether a cost export covers the cell. A day cell (<see cref="Model"/> <c>*</c>) compares a day's cost when the cost
/// export does not say which model a cost is for.
/// </summary>
public sealed class Cell(DateOnly day, string model)
{
    public const string AllModels = "*";

    /// <summary>The model of costs the export attributes to no model the catalog knows (web search, a line item without a model).</summary>
    public const string Unattributed = "(unattributed)";

    public DateOnly Day { get; } = day;

    public string Model { get; } = model;

    public Tally Ledger { get; } = new();

    public Tally Provider { get; } = new();

    /// <summary>The provider's batch usage (OpenAI <c>batch: true</c>, Anthropic <c>service_tier: batch</c>); part of <see cref="Provider"/>.</summary>
    public Tally Batch { get; } = new();

    /// <summary>The provider's Priority Tier usage; part of <see cref="Provider"/>.</summary>
    public Tally Priority { get; } = new();

    /// <summary>True when the cost kind is compared in this cell.</summary>
    public bool ComparesCost { get; set; }

    /// <summary>True when the token kinds are compared in this cell (false for a day cell, whose models are compared apart).</summary>
    public bool ComparesTokens { get; set; } = true;

    public long Delta(ReconcileKind kind) => Provider[kind] - Ledger[kind];

    /// <summary>True when any token kind (or the request count, where the provider counts requests) differs.</summary>
    public bool TokensDiffer => ReconcileKinds.Tokens.Any(k => Delta(k) != 0) || (Provider.HasRequests && Delta(ReconcileKind.Requests) != 0);
}
