using Tollgate.Ledger;

namespace Tollgate.Tests.Ledger;

/// <summary>An in-memory ledger that can be made unreachable, like a database behind a network partition.</summary>
internal sealed class FlakyLedgerStore : ILedgerStore
{
    public InMemoryLedgerStore Inner { get; } = new();

    public volatile bool Reachable = true;

    public int FailedAppends;

    public ValueTask<LedgerAppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        if (!Reachable)
        {
            Interlocked.Increment(ref FailedAppends);
            throw new IOException("connection refused");
        }

        return Inner.AppendAsync(records, cancellationToken);
    }

    public ValueTask<LedgerReport> QueryAsync(LedgerQuery query, CancellationToken cancellationToken = default) => Inner.QueryAsync(query, cancellationToken);

    public IAsyncEnumerable<UsageRecord> ReadAsync(LedgerFilter filter, CancellationToken cancellationToken = default) => Inner.ReadAsync(filter, cancellationToken);

    public ValueTask<UsageRecord?> FindAsync(LedgerKey key, CancellationToken cancellationToken = default) => Inner.FindAsync(key, cancellationToken);

    public ValueTask<long> PurgeRawBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => Inner.PurgeRawBeforeAsync(cutoff, cancellationToken);

    public ValueTask<DateTimeOffset?> GetRetentionCutoffAsync(CancellationToken cancellationToken = default) => Inner.GetRetentionCutoffAsync(cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
