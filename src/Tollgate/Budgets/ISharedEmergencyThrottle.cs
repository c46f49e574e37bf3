namespace Tollgate.Budgets;

/// <summary>
/// Optional capability of a budget store that several gateway instances share (Redis): one emergency-mode
/// request allowance per minute for all of them, instead of <see cref="BudgetGateOptions.EmergencyRequestsPerMinute"/>
/// per instance. <see cref="BudgetGate"/> uses it when its store implements it.
/// </summary>
public interface ISharedEmergencyThrottle
{
    /// <summary>
    /// Counts one request against minute <paramref name="minute"/> (minutes since 0001-01-01 UTC); true while
    /// the count stays within <paramref name="perMinute"/>. Null when this store cannot share the throttle
    /// (the gate then throttles per instance).
    /// </summary>
    ValueTask<bool?> TryTakeEmergencySlotAsync(long minute, int perMinute, CancellationToken cancellationToken = default);
}
