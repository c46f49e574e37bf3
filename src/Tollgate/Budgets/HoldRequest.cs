namespace Tollgate.Budgets;

/// <summary>An all-or-nothing hold across several budget counters.</summary>
public sealed record HoldRequest(string ReservationId, IReadOnlyList<HoldLine> Lines, DateTimeOffset Now, DateTimeOffset ExpiresAt);
