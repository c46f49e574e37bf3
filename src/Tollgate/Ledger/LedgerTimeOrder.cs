using System.Runtime.CompilerServices;

namespace Tollgate.Ledger;

/// <summary>
/// A bounded range's records in time order, read as one narrow scan per hour (<see cref="ILedgerStore.ScanAsync(LedgerFilter, CancellationToken)"/>)
/// sorted in memory, the next hour scanned while this one is consumed: what a time-ordered pass (cache windows) needs,
/// at the cost of a scan rather than an ordered read of every column. Records of the same microsecond come in no
/// particular order. An open range is read with the store's ordered <see cref="ILedgerStore.ReadAsync"/>.
/// </summary>
internal static class LedgerTimeOrder
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);

    public static async IAsyncEnumerable<UsageRecord> ReadAsync(ILedgerStore store, LedgerFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (filter.From is not { } from || filter.To is not { } to)
        {
            await foreach (var record in store.ReadAsync(filter, cancellationToken))
            {
                yield return record;
            }

            yield break;
        }

        var next = from < to ? ScanAsync(store, filter, from, to, cancellationToken) : null;
        for (var start = from; next is not null; start += Window)
        {
            var records = await next;
            var after = start + Window;
            next = after < to ? ScanAsync(store, filter, after, to, cancellationToken) : null;
            foreach (var record in records)
            {
                yield return record;
            }
        }
    }

    private static Task<List<UsageRecord>> ScanAsync(ILedgerStore store, LedgerFilter filter, DateTimeOffset start, DateTimeOffset to, CancellationToken cancellationToken) =>
        Task.Run(async () =>
        {
            var end = start + Window < to ? start + Window : to;
            var records = new List<UsageRecord>();
            await foreach (var record in store.ScanAsync(filter with { From = start, To = end }, cancellationToken))
            {
                records.Add(record);
            }

            records.Sort(static (a, b) => a.Timestamp.CompareTo(b.Timestamp));
            return records;
        }, cancellationToken);
}
