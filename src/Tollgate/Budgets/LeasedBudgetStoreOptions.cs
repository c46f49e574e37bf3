namespace Tollgate.Budgets;

/// <summary>Settings of <see cref="LeasedBudgetStore"/>.</summary>
public sealed class LeasedBudgetStoreOptions
{
    /// <summary>How much of a budget one lease takes from the shared store (nano-units of the budget's currency).</summary>
    public long LeaseNanos { get; set; } = 100_000_000; // 0.10

    /// <summary>Lifetime of a lease's hold in the shared store; a dead instance's leases lapse after it (counted as spent).</summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often local spending is written back to the shared store (how stale other instances' view can be).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    public void Validate()
    {
        if (LeaseNanos <= 0)
        {
            throw new ArgumentException("LeaseNanos must be positive", nameof(LeaseNanos));
        }

        if (LeaseTtl <= TimeSpan.Zero || FlushInterval <= TimeSpan.Zero || FlushInterval * 4 > LeaseTtl)
        {
            throw new ArgumentException("LeaseTtl and FlushInterval must be positive and FlushInterval at most a quarter of LeaseTtl");
        }
    }
}
