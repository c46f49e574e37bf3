namespace Tollgate.Ledger;

/// <summary>Settings of the background <see cref="LedgerWriter"/>.</summary>
public sealed class LedgerWriterOptions
{
    /// <summary>Records waiting to be written; appenders wait when it is full (back-pressure, never drops).</summary>
    public int Capacity { get; set; } = 10_000;

    /// <summary>Most records written in one store call.</summary>
    public int MaxBatchSize { get; set; } = 1_000;

    /// <summary>Local spool file used while the store is unreachable; null disables spooling (appends then fail).</summary>
    public string? SpoolPath { get; set; }

    /// <summary>How often a non-empty spool is offered to the store again.</summary>
    public TimeSpan ReplayInterval { get; set; } = TimeSpan.FromSeconds(5);

    public void Validate()
    {
        if (Capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Capacity), "Capacity must be at least 1");
        }

        if (MaxBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), "MaxBatchSize must be at least 1");
        }

        if (ReplayInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ReplayInterval), "ReplayInterval must be positive");
        }
    }
}
