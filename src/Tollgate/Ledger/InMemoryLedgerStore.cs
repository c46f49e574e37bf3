using System.Runtime.CompilerServices;

namespace Tollgate.Ledger;

/// <summary>
/// The ledger in process memory, for tests and single-process runs; nothing survives the process.
/// Same semantics as the durable stores: idempotent appends, hourly rollups kept as records arrive, retention.
/// </summary>
public sealed class InMemoryLedgerStore : ILedgerStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<LedgerKey, UsageRecord> _records = [];
    private readonly Dictionary<RollupKey, LedgerMetrics> _rollups = [];
    private long? _retentionCutoffTicks;

    public ValueTask<LedgerAppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        LedgerRecordValidator.ValidateBatch(records);
        cancellationToken.ThrowIfCancellationRequested();
        var result = default(LedgerAppendResult);
        lock (_gate)
        {
            foreach (var record in records)
            {
                if (_retentionCutoffTicks is { } cutoff && record.Timestamp.UtcTicks < cutoff)
                {
                    result += new LedgerAppendResult(0, 0, 1);
                    continue;
                }

                if (!_records.TryAdd(record.Key, record))
                {
                    result += new LedgerAppendResult(0, 1);
                    continue;
                }

                var key = RollupKey.Of(record);
                var metrics = LedgerMetrics.Of(record);
                _rollups[key] = _rollups.TryGetValue(key, out var sum) ? sum + metrics : metrics;
                result += new LedgerAppendResult(1, 0);
            }
        }

        return ValueTask.FromResult(result);
    }

    public ValueTask<LedgerReport> QueryAsync(LedgerQuery query, CancellationToken cancellationToken = default)
    {
        LedgerReportBuilder.Validate(query);
        var (from, to) = LedgerReportBuilder.HourRange(query.Filter);
        List<RollupRow> rows;
        lock (_gate)
        {
            if (query.Filter.SessionId is not null)
            {
                var f = query.Filter;
                rows = _records.Values
                    .Where(r => r.SessionId == f.SessionId)
                    .Select(r => (Key: RollupKey.Of(r), Record: r))
                    .Where(x => x.Key.Matches(f, from, to))
                    .Select(x => new RollupRow(x.Key.Hour, LedgerReportBuilder.KeyOf(x.Record, query.GroupBy), LedgerMetrics.Of(x.Record)))
                    .ToList();
            }
            else
            {
                rows = _rollups
                    .Where(p => p.Key.Matches(query.Filter, from, to))
                    .Select(p => new RollupRow(p.Key.Hour, query.GroupBy is { } d ? p.Key.Get(d) : null, p.Value))
                    .ToList();
            }
        }

        return ValueTask.FromResult(LedgerReportBuilder.Build(query, rows));
    }

    public async IAsyncEnumerable<UsageRecord> ReadAsync(LedgerFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        List<UsageRecord> snapshot;
        lock (_gate)
        {
            snapshot = _records.Values.Where(filter.Matches).ToList();
        }

        snapshot.Sort(LedgerRecordOrder.Instance);
        foreach (var record in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }

        await Task.CompletedTask;
    }

    public ValueTask<UsageRecord?> FindAsync(LedgerKey key, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_records.GetValueOrDefault(key));
        }
    }

    public ValueTask<long> PurgeRawBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var ticks = UsageRecord.Normalize(cutoff).UtcTicks;
            _retentionCutoffTicks = Math.Max(_retentionCutoffTicks ?? long.MinValue, ticks);
            var old = _records.Where(p => p.Value.Timestamp.UtcTicks < ticks).Select(p => p.Key).ToList();
            foreach (var key in old)
            {
                _records.Remove(key);
            }

            return ValueTask.FromResult((long)old.Count);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
