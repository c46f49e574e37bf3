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

    /// <summary>
    /// How long the writer waits after a wake-up for more queued records before storing a batch, while nobody waits
    /// on it (a durable append, a flush, a full batch or disposal ends it at once). Larger batches cost the store
    /// and the process less per record; a queued record may take this much longer to become durable. Zero disables it.
    /// </summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(2);

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

        if (Linger < TimeSpan.Zero || Linger > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(Linger), "Linger must be between 0 and 1 second");
        }

        if (ReplayInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ReplayInterval), "ReplayInterval must be positive");
        }
    }
}
