using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Reconciliation.Matching;

/// <summary>
/// The ledger's side of each day × model cell for one provider, from the daily rollups (grouped by model, UTC days).
/// The rollups keep cache writes as one count, so the 1-hour share is summed from the raw records when the provider
/// reports cache writes; writes whose raw records are gone (retention) count as 5-minute writes.
/// </summary>
public static class LedgerSide
{
    public static async ValueTask<Dictionary<(DateOnly Day, string Model), Tally>> ReadAsync(
        ILedgerStore ledger, string provider, IReadOnlySet<DateOnly> days, ModelNames names, bool splitCacheWrites, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(days);
        ArgumentNullException.ThrowIfNull(names);
        var cells = new Dictionary<(DateOnly, string), Tally>();
        if (days.Count == 0)
        {
            return cells;
        }

        var filter = new LedgerFilter
        {
            Provider = provider,
            From = new DateTimeOffset(days.Min().ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            To = new DateTimeOffset(days.Max().AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        };
        var report = await ledger.QueryAsync(new LedgerQuery { Filter = filter, GroupBy = LedgerDimension.Model, Bucket = TimeBucket.Day, TimeZone = TimeZoneInfo.Utc }, cancellationToken);
        foreach (var group in report.Groups)
        {
            var day = DateOnly.FromDateTime(group.BucketStart!.Value.UtcDateTime);
            if (!days.Contains(day) || group.Key is null)
            {
                continue;
            }

            var m = group.Metrics;
            var tally = Cell(cells, day, names.CanonicalOrSelf(group.Key));
            tally.Input += Math.Max(0, m.InputTokens - m.CacheReadTokens - m.CacheWriteTokens);
            tally.CachedInput += m.CacheReadTokens;
            tally.CacheWrite5m += m.CacheWriteTokens;
            tally.Output += m.OutputTokens;
            tally.Requests += m.Requests;
            tally.HasRequests = true;
            tally.CostNanos += m.CostNanos;
        }

        if (splitCacheWrites)
        {
            await foreach (var record in ledger.ReadAsync(filter, cancellationToken))
            {
                var oneHour = record.Usage[UsageUnit.CacheWrite1hTokens];
                var day = DateOnly.FromDateTime(record.Timestamp.UtcDateTime);
                if (oneHour > 0 && days.Contains(day) && cells.TryGetValue((day, names.CanonicalOrSelf(record.Model)), out var tally))
                {
                    var moved = Math.Min(oneHour, tally.CacheWrite5m);
                    tally.CacheWrite5m -= moved;
                    tally.CacheWrite1h += moved;
                }
            }
        }

        return cells;
    }

    private static Tally Cell(Dictionary<(DateOnly, string), Tally> cells, DateOnly day, string model)
    {
        if (!cells.TryGetValue((day, model), out var tally))
        {
            tally = new Tally();
            cells[(day, model)] = tally;
        }

        return tally;
    }
}
