using System.Runtime.CompilerServices;

namespace Tollgate.Ledger;

/// <summary>
/// The ledger in process memory, for tests and single-process runs; nothing survives the process.
/// Same semantics as the durable stores: idempotent appends, quarter-hour rollups kept as records arrive, retention.
/// </summary>
public sealed class InMemoryLedgerStore : ILedgerStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<LedgerKey, UsageRecord> _records = [];
    private readonly Dictionary<RollupKey, LedgerMetrics> _rollups = [];
    private readonly Dictionary<TagRollupKey, LedgerMetrics> _tagRollups = [];
    private readonly Dictionary<RollupKey, LatencyCell> _latency = [];
    private readonly Dictionary<TagRollupKey, LatencyCell> _tagLatency = [];
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
                foreach (var (tag, value) in record.Tags)
                {
                    var tagKey = new TagRollupKey(key.Time, tag, value, key.Provider, key.Model, key.ApiFlavor, key.Tenant);
                    _tagRollups[tagKey] = _tagRollups.TryGetValue(tagKey, out var tagged) ? tagged + metrics : metrics;
                    if (!_tagLatency.TryGetValue(tagKey, out var tagCell))
                    {
                        _tagLatency[tagKey] = tagCell = new LatencyCell();
                    }

                    tagCell.Add(record);
                }

                if (!_latency.TryGetValue(key, out var cell))
                {
                    _latency[key] = cell = new LatencyCell();
                }

                cell.Add(record);
                result += new LedgerAppendResult(1, 0);
            }
        }

        return ValueTask.FromResult(result);
    }

    public ValueTask<LedgerReport> QueryAsync(LedgerQuery query, CancellationToken cancellationToken = default)
    {
        LedgerReportBuilder.Validate(query);
        var f = query.Filter;
        var rows = new List<RollupRow>();
        lock (_gate)
        {
            if (LedgerReportBuilder.UsesTagRollups(query))
            {
                // The same plan as the relational stores, from the quarter-hour tag sums; raw records at the edges.
                var plan = Plan(query);
                var ranges = plan.Days.Concat(plan.Hours).Concat(plan.Quarters).ToList();
                var tagKey = query.GroupByTag ?? query.Tag!.Value.Key;
                foreach (var (key, metrics) in _tagRollups)
                {
                    if (key.Key == tagKey && (query.Tag is not { } only || key.Value == only.Value) && key.Matches(f) &&
                        ranges.Exists(r => key.Time >= r.From && key.Time < r.To))
                    {
                        rows.Add(new RollupRow(key.Time, query.GroupByTag is not null ? key.Value : query.GroupBy is { } d ? key.Get(d) : null, metrics));
                    }
                }

                foreach (var (from, to) in plan.Raw)
                {
                    var piece = f with { From = LedgerColumns.FromUnixMicros(from), To = LedgerColumns.FromUnixMicros(to) };
                    foreach (var r in _records.Values)
                    {
                        if (piece.Matches(r) && r.Tags.TryGetValue(tagKey, out var value) && (query.Tag is not { } only || value == only.Value))
                        {
                            var key = query.GroupByTag is not null ? value : LedgerReportBuilder.KeyOf(r, query.GroupBy);
                            rows.Add(new RollupRow(LedgerReportBuilder.Floor(from, 1_000_000) / 1_000_000, key, LedgerMetrics.Of(r)));
                        }
                    }
                }
            }
            else if (f.SessionId is not null)
            {
                foreach (var r in _records.Values)
                {
                    if (f.Matches(r))
                    {
                        rows.Add(new RollupRow(r.Timestamp.ToUnixTimeSeconds(), LedgerReportBuilder.KeyOf(r, query.GroupBy), LedgerMetrics.Of(r)));
                    }
                }
            }
            else
            {
                // The same plan as the relational stores; every rollup range is answered from the quarter-hour sums.
                var plan = Plan(query);
                var ranges = plan.Days.Concat(plan.Hours).Concat(plan.Quarters).ToList();
                foreach (var (key, metrics) in _rollups)
                {
                    if (key.Matches(f) && ranges.Exists(r => key.Time >= r.From && key.Time < r.To))
                    {
                        rows.Add(new RollupRow(key.Time, query.GroupBy is { } d ? key.Get(d) : null, metrics));
                    }
                }

                foreach (var (from, to) in plan.Raw)
                {
                    var piece = f with { From = LedgerColumns.FromUnixMicros(from), To = LedgerColumns.FromUnixMicros(to) };
                    foreach (var r in _records.Values)
                    {
                        if (piece.Matches(r))
                        {
                            rows.Add(new RollupRow(LedgerReportBuilder.Floor(from, 1_000_000) / 1_000_000, LedgerReportBuilder.KeyOf(r, query.GroupBy), LedgerMetrics.Of(r)));
                        }
                    }
                }
            }
        }

        return ValueTask.FromResult(LedgerReportBuilder.Build(query, rows));
    }

    /// <summary>The plan of the relational stores (without shifted days: every range here is summed from quarters anyway).</summary>
    private RollupPlan Plan(LedgerQuery query)
    {
        long? first = _rollups.Count == 0 ? null : _rollups.Keys.Min(k => k.Time);
        long? last = _rollups.Count == 0 ? null : _rollups.Keys.Max(k => k.Time);
        return RollupPlan.For(query, first, last);
    }

    public ValueTask<IReadOnlyList<LatencyRollupRow>> LatencyRollupsAsync(LedgerFilter filter, bool allDimensions = false, CancellationToken cancellationToken = default)
    {
        LatencyRollups.Validate(filter);
        var wide = LatencyRollups.Wide(filter, allDimensions);
        lock (_gate)
        {
            return ValueTask.FromResult(LatencyRows(
                filter, _latency, k => k.Time, k => k.Matches(filter), (k, day) => Narrow(LatencyRollupRow.Of(k with { Time = LedgerReportBuilder.DayOf(k.Time) }, day)),
                records => LatencyRollups.FromRecords(records).Select(Narrow)));
        }

        // The narrow rollups of the relational stores hold no project, user or key.
        LatencyRollupRow Narrow(LatencyRollupRow row) => wide ? row : row with { Project = "", User = "", KeyId = "" };
    }

    public ValueTask<IReadOnlyList<LatencyRollupRow>> TagLatencyRollupsAsync(LedgerFilter filter, string tagKey, string? tagValue = null, CancellationToken cancellationToken = default)
    {
        LatencyRollups.ValidateTag(filter, tagKey);
        lock (_gate)
        {
            return ValueTask.FromResult(LatencyRows(
                filter, _tagLatency, k => k.Time, k => k.Key == tagKey && (tagValue is null || k.Value == tagValue) && k.Matches(filter),
                (k, day) => LatencyRollupRow.Of(k with { Time = LedgerReportBuilder.DayOf(k.Time) }, day),
                records => LatencyRollups.FromRecords(records, tagKey, tagValue)));
        }
    }

    /// <summary>
    /// The rows the relational stores' plan reads from <paramref name="cells"/> (every rollup range answered from the
    /// quarter-hour cells, each counted once per range holding it, negative ranges subtracted) and the raw edges.
    /// </summary>
    private IReadOnlyList<LatencyRollupRow> LatencyRows<TKey>(
        LedgerFilter filter, Dictionary<TKey, LatencyCell> cells, Func<TKey, long> time, Func<TKey, bool> matches,
        Func<TKey, LatencyCell, LatencyRollupRow> row, Func<IEnumerable<UsageRecord>, IEnumerable<LatencyRollupRow>> raw)
        where TKey : notnull
    {
        var rows = new List<LatencyRollupRow>();
        long? first = _latency.Count == 0 ? null : _latency.Keys.Min(k => k.Time);
        long? last = _latency.Count == 0 ? null : _latency.Keys.Max(k => k.Time);
        var plan = LatencyRollups.Plan(filter, first, last);
        var ranges = plan.Days.Concat(plan.ShiftedDays.Select(d => (From: d.Day, To: d.Day + LedgerReportBuilder.SecondsPerDay))).Concat(plan.Hours).Concat(plan.Quarters).ToList();
        var negative = plan.NegativeHours.Select(r => (r.From, r.To)).ToList();
        foreach (var (key, cell) in cells)
        {
            // A cell of a day read whole, of an hour subtracted from it and of the range's edge quarters read again counts +1 − 1 + 1 times.
            var t = time(key);
            var sign = ranges.Count(r => t >= r.From && t < r.To) - negative.Count(r => t >= r.From && t < r.To);
            if (sign != 0 && matches(key))
            {
                var day = new LatencyCell();
                day.Add(cell);
                var added = row(key, day);
                for (var i = 0; i < Math.Abs(sign); i++)
                {
                    rows.Add(sign > 0 ? added : added with { CacheCalls = -added.CacheCalls, Histogram = added.Histogram.Negated() });
                }
            }
        }

        foreach (var (from, to) in plan.Raw)
        {
            var piece = filter with { From = LedgerColumns.FromUnixMicros(from), To = LedgerColumns.FromUnixMicros(to) };
            rows.AddRange(raw(_records.Values.Where(piece.Matches)));
        }

        return rows;
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

    public ValueTask<DateTimeOffset?> GetRetentionCutoffAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_retentionCutoffTicks is { } ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : (DateTimeOffset?)null);
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
