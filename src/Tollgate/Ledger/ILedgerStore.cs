namespace Tollgate.Ledger;

/// <summary>
/// The usage ledger: append-only, idempotent on (request id, attempt), queried through quarter-hour, hourly and daily rollups that are
/// maintained in the same transaction as the records. Implemented by the in-memory, SQLite and PostgreSQL stores,
/// which all pass the same conformance suite.
/// </summary>
public interface ILedgerStore : IAsyncDisposable
{
    /// <summary>
    /// Stores a batch durably (when the returned task completes, the records survive a process crash).
    /// A key already stored, or repeated in the batch, is stored once.
    /// </summary>
    ValueTask<LedgerAppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default);

    /// <summary>
    /// Totals and groups from the rollups, exact for the filter in the query's zone (raw records are read only for the
    /// sub-quarter-hour edges of the range, and for a session filter).
    /// </summary>
    ValueTask<LedgerReport> QueryAsync(LedgerQuery query, CancellationToken cancellationToken = default);

    /// <summary>Streams raw records matching the filter in (timestamp, request id, attempt) order, for export.</summary>
    IAsyncEnumerable<UsageRecord> ReadAsync(LedgerFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the records matching the filter in no particular order, and may leave out what aggregate views never
    /// read (session, error class and price source null): the fast read behind what-if,
    /// recommendations, tag breakdowns and comparisons. Scans of disjoint ranges may run at the same time.
    /// </summary>
    IAsyncEnumerable<UsageRecord> ScanAsync(LedgerFilter filter, CancellationToken cancellationToken = default) => ReadAsync(filter, cancellationToken);

    /// <summary>The records of <see cref="ScanAsync(LedgerFilter, CancellationToken)"/> that are in <paramref name="subset"/>; a store narrows it in its own query.</summary>
    IAsyncEnumerable<UsageRecord> ScanAsync(LedgerFilter filter, LedgerScanSubset subset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subset);
        return ScanAsync(filter, cancellationToken).Where(subset.Matches);
    }

    /// <summary>
    /// The providers' models whose priced, measured records in the filter's range report other units or are long
    /// (<see cref="LedgerUsageOutlier"/>); a relational store reads only those records, through a partial index.
    /// </summary>
    async ValueTask<IReadOnlyList<LedgerUsageOutlier>> UsageOutliersAsync(LedgerFilter filter, CancellationToken cancellationToken = default) =>
        LedgerUsageOutlier.Of(await ScanAsync(filter, cancellationToken).ToListAsync(cancellationToken));

    /// <summary>
    /// The latency rollup rows (per UTC day and dimensions: the successful calls' latency histogram and the calls using a
    /// prompt cache) of the records matching <paramref name="filter"/>, covering its range exactly like
    /// <see cref="QueryAsync"/> does: days, hours and quarter hours from the latency rollups, the sub-quarter-hour edges
    /// from raw records. The filter may name a range and any groupable dimension, not a session. Rows carry provider,
    /// model, api flavour and tenant; project, user and key too when <paramref name="allDimensions"/> is set or the filter
    /// names one of them (else ''). A row's day is the UTC day its calls were made. Rows with the same key may repeat; the
    /// caller adds them up — some with negative counts (a day read whole less its hours outside the range).
    /// </summary>
    async ValueTask<IReadOnlyList<LatencyRollupRow>> LatencyRollupsAsync(LedgerFilter filter, bool allDimensions = false, CancellationToken cancellationToken = default)
    {
        LatencyRollups.Validate(filter);
        return LatencyRollups.FromRecords(await ScanAsync(filter, cancellationToken).ToListAsync(cancellationToken));
    }

    /// <summary>
    /// The tag latency rollup rows of the records carrying the tag <paramref name="tagKey"/> — with the value
    /// <paramref name="tagValue"/>, or any value when null —, per UTC day, provider, model, api flavour, tenant and the
    /// tag's value (<see cref="LatencyRollupRow.TagValue"/>), covering the filter's range as
    /// <see cref="LatencyRollupsAsync"/> does. The filter may name a range, provider, model, api flavour and tenant (what
    /// the tag rollups hold), not project, user, key or session. Rows may repeat, some with negative counts.
    /// </summary>
    async ValueTask<IReadOnlyList<LatencyRollupRow>> TagLatencyRollupsAsync(LedgerFilter filter, string tagKey, string? tagValue = null, CancellationToken cancellationToken = default)
    {
        LatencyRollups.ValidateTag(filter, tagKey);
        return LatencyRollups.FromRecords(await ScanAsync(filter, cancellationToken).ToListAsync(cancellationToken), tagKey, tagValue);
    }

    /// <summary>
    /// Up to 51 tag keys (in ordinal order) the records of <paramref name="filter"/>'s range carry — a relational store
    /// answers from the daily tag rollup, so for the UTC days the range touches —, filtered on provider, model, api flavour
    /// and tenant only: what an error names when a view asks for a key no record has.
    /// </summary>
    async ValueTask<IReadOnlyList<string>> TagKeysAsync(LedgerFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var record in ScanAsync(filter, cancellationToken))
        {
            keys.UnionWith(record.Tags.Keys);
        }

        return [.. keys.Take(51)];
    }

    /// <summary>The stored record with this key, or null.</summary>
    ValueTask<UsageRecord?> FindAsync(LedgerKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Retention: removes raw records older than <paramref name="cutoff"/>; rollups (and so reports) stay.
    /// Later appends older than the cutoff are ignored (reported as expired). Returns the number removed.
    /// </summary>
    ValueTask<long> PurgeRawBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);

    /// <summary>The latest retention cutoff: raw records before it were purged (views reading raw records refuse ranges before it); null when none was.</summary>
    ValueTask<DateTimeOffset?> GetRetentionCutoffAsync(CancellationToken cancellationToken = default);
}
