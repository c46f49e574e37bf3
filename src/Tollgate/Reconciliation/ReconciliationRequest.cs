using Tollgate.Reconciliation.Reading;

namespace Tollgate.Reconciliation;

/// <summary>A reconciliation to run: the provider, its exports, and optionally a UTC range of days (from inclusive, to exclusive).</summary>
public sealed record ReconciliationRequest
{
    public required string Provider { get; init; }

    public required IReadOnlyList<ProviderFile> Usage { get; init; }

    public IReadOnlyList<ProviderFile> Costs { get; init; } = [];

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }
}
