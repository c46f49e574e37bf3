namespace Tollgate.Budgets;

/// <summary>Emergency mode as read at <c>CheckedTicks</c> (null state: off).</summary>
internal sealed record EmergencyReading(EmergencyState? State, long CheckedTicks);
