using Tollgate.Ledger;

namespace Tollgate.Stores.Tests.Ledger;

/// <summary>A store forwarding every call to <paramref name="inner"/> and counting the calls that read raw records one by one.</summary>
internal sealed class ScanCountingLedgerStore(ILedgerStore inner) : ILedgerStore
{
    public int RecordReads { get; private set; }

    public ValueTask<LedgerAppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) =>
        inner.AppendAsync(records, cancellationToken);

    public ValueTask<LedgerReport> QueryAsync(LedgerQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

    public IAsyncEnumerable<UsageRecord> ReadAsync(LedgerFilter filter, CancellationToken cancellationToken = default)
    {
        RecordReads++;
        return inner.ReadAsync(filter, cancellationToken);
    }

    public IAsyncEnumerable<UsageRecord> ScanAsync(LedgerFilter filter, CancellationToken cancellationToken = default)
    {
        RecordReads++;
        return inner.ScanAsync(filter, cancellationToken);
    }

    public IAsyncEnumerable<UsageRecord> ScanAsync(LedgerFilter filter, LedgerScanSubset subset, CancellationToken cancellationToken = default)
    {
        RecordReads++;
        return inner.ScanAsync(filter, subset, cancellationToken);
    }

    public ValueTask<IReadOnlyList<LedgerUsageOutlier>> UsageOutliersAsync(LedgerFilter filter, CancellationToken cancellationToken = default) =>
        inner.UsageOutliersAsync(filter, cancellationToken);

    public ValueTask<IReadOnlyList<LatencyRollupRow>> LatencyRollupsAsync(LedgerFilter filter, bool allDimensions = false, CancellationToken cancellationToken = default) =>
        inner.LatencyRollupsAsync(filter, allDimensions, cancellationToken);

    public ValueTask<IReadOnlyList<LatencyRollupRow>> TagLatencyRollupsAsync(LedgerFilter filter, string tagKey, string? tagValue = null, CancellationToken cancellationToken = default) =>
        inner.TagLatencyRollupsAsync(filter, tagKey, tagValue, cancellationToken);

    public ValueTask<IReadOnlyList<string>> TagKeysAsync(LedgerFilter filter, CancellationToken cancellationToken = default) =>
        inner.TagKeysAsync(filter, cancellationToken);

    public ValueTask<UsageRecord?> FindAsync(LedgerKey key, CancellationToken cancellationToken = default) => inner.FindAsync(key, cancellationToken);

    public ValueTask<long> PurgeRawBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => inner.PurgeRawBeforeAsync(cutoff, cancellationToken);

    public ValueTask<DateTimeOffset?> GetRetentionCutoffAsync(CancellationToken cancellationToken = default) => inner.GetRetentionCutoffAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
