using System.Runtime.CompilerServices;
using Tollgate.Ledger;

namespace Tollgate.Tests.Ledger;

/// <summary>An in-memory ledger whose scans return records newest first, as an unordered scan may.</summary>
internal sealed class ShuffledScanLedgerStore : ILedgerStore
{
    public InMemoryLedgerStore Inner { get; } = new();

    public int Scans;

    public ValueTask<LedgerAppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) => Inner.AppendAsync(records, cancellationToken);

    public ValueTask<LedgerReport> QueryAsync(LedgerQuery query, CancellationToken cancellationToken = default) => Inner.QueryAsync(query, cancellationToken);

    public IAsyncEnumerable<UsageRecord> ReadAsync(LedgerFilter filter, CancellationToken cancellationToken = default) => Inner.ReadAsync(filter, cancellationToken);

    public async IAsyncEnumerable<UsageRecord> ScanAsync(LedgerFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Scans);
        var records = new List<UsageRecord>();
        await foreach (var record in Inner.ReadAsync(filter, cancellationToken))
        {
            records.Add(record);
        }

        for (var i = records.Count - 1; i >= 0; i--)
        {
            yield return records[i];
        }
    }

    public ValueTask<UsageRecord?> FindAsync(LedgerKey key, CancellationToken cancellationToken = default) => Inner.FindAsync(key, cancellationToken);

    public ValueTask<long> PurgeRawBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => Inner.PurgeRawBeforeAsync(cutoff, cancellationToken);

    public ValueTask<DateTimeOffset?> GetRetentionCutoffAsync(CancellationToken cancellationToken = default) => Inner.GetRetentionCutoffAsync(cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
