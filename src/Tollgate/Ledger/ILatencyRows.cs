namespace Tollgate.Ledger;

/// <summary>
/// The rows of a rollup read as a store steps them (<see cref="LatencyQuerySql.ReadAsync"/>,
/// <see cref="RollupQuerySql.ReadTagKeysAsync"/>): a data reader
/// (<see cref="DataReaderLatencyRows"/>), or SQLite's own statement handle, which reads the tens of thousands of
/// histogram rows of a month without a managed reader's per-value checks and allocations.
/// </summary>
internal interface ILatencyRows : IAsyncDisposable
{
    /// <summary>Moves to the next row; false after the last.</summary>
    ValueTask<bool> ReadAsync(CancellationToken cancellationToken);

    long GetInt64(int column);

    string GetString(int column);

    /// <summary>The histogram a rollup row holds in the column (an empty one for SQL NULL), its counts negated when <paramref name="negated"/>.</summary>
    LatencyHistogram GetHistogram(int column, bool negated);
}
