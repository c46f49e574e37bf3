namespace Tollgate.Reconciliation.Reading;

/// <summary>One provider cost result in USD nano-units, attributed to a model when the export says which.</summary>
public sealed record CostRow
{
    public required DateOnly Day { get; init; }

    /// <summary>The model as the provider named it; null for a cost not attributed to a model (not grouped, web search, …).</summary>
    public string? Model { get; init; }

    public bool Batch { get; init; }

    public required long Nanos { get; init; }
}
