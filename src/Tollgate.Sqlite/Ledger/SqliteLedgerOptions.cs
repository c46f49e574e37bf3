using Tollgate.Storage;

namespace Tollgate.Sqlite.Ledger;

/// <summary>Settings of <see cref="SqliteLedgerStore"/>.</summary>
public sealed class SqliteLedgerOptions
{
    /// <summary>Database file; its directory is created when missing.</summary>
    public string Path { get; set; } = StoreLocation.DefaultSqlitePath;

    /// <summary>
    /// <c>synchronous=FULL</c> (an acknowledged append also survives power loss) instead of the default
    /// <c>NORMAL</c>, which in WAL mode already survives a crash of the process.
    /// </summary>
    public bool SynchronousFull { get; set; }

    /// <summary>How long a writer waits for another process holding the write lock.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("SQLite ledger path is empty", nameof(Path));
        }

        if (BusyTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), "BusyTimeout must not be negative");
        }
    }
}
