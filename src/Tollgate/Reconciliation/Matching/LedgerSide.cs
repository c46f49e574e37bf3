using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Reconciliation.Matching;

/// <summary>
/// The ledger's side of each day × model cell for one provider, from the daily rollups (grouped by model, UTC days).
/// The rollups keep cache writes as one count, so the 1-hour share is summed from the raw records when the provider
/// reports cache writes; writes whose raw records are gone (retention) count as 5-minute writes. Calls of an API flavour
/// the export does not cover (OpenAI's completions usage has no embeddings) are left out.
/// </summary>
public static class LedgerSide
{
    public static async ValueTask<Dictionary<(DateOnly Day, string Model), Tally>> ReadAsync(
        ILedgerStore ledger, string provider, IReadOnlySet<DateOnly> days, ModelNames names, bool splitCacheWrites, IReadOnlyList<string> excludedFlavors, CancellationToken cancellationToken)
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
        await AddAsync(ledger, filter, days, names, cells, 1, cancellationToken);
        foreach (var flavor in excludedFlavors)
        {
            await AddAsync(ledger, filter with { ApiFlavor = flavor }, days, names, cells, -1, cancellationToken);
        }

        // The raw records are read only when both sides have cache writes to split.
        if (splitCacheWrites && cells.Values.Any(t => t.CacheWrite5m > 0))
        {
            await foreach (var record in ledger.ReadAsync(filter, cancellationToken))
            {
                var oneHour = record.Usage[UsageUnit.CacheWrite1hTokens];
                var day = DateOnly.FromDateTime(record.Timestamp.UtcDateTime);
                if (oneHour > 0 && days.Contains(day) && !excludedFlavors.Contains(record.ApiFlavor ?? "") && cells.TryGetValue((day, names.CanonicalOrSelf(record.Model)), out var tally))
                {
                    var moved = Math.Min(oneHour, tally.CacheWrite5m);
                    tally.CacheWrite5m -= moved;
                    tally.CacheWrite1h += moved;
                }
            }
        }

        cells.Where(c => c.Value.IsEmpty).Select(c => c.Key).ToList().ForEach(key => cells.Remove(key));
        return cells;
    }

    /// <summary>Adds (<paramref name="sign"/> 1) or takes away (−1) the rollups' day × model sums under <paramref name="filter"/>.</summary>
    private static async ValueTask AddAsync(ILedgerStore ledger, LedgerFilter filter, IReadOnlySet<DateOnly> days, ModelNames names, Dictionary<(DateOnly, string), Tally> cells, int sign, CancellationToken cancellationToken)
    {
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
            tally.Input += sign * Math.Max(0, m.InputTokens - m.CacheReadTokens - m.CacheWriteTokens);
            tally.CachedInput += sign * m.CacheReadTokens;
            tally.CacheWrite5m += sign * m.CacheWriteTokens;
            tally.Output += sign * m.OutputTokens;
            tally.Requests += sign * m.Requests;
            tally.HasRequests = true;
            tally.CostNanos += sign * m.CostNanos;
        }
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
