using System.Runtime.InteropServices;

namespace Tollgate.Ledger;

/// <summary>
/// Helpers shared by the stores for the latency rollups: the narrow ones (quarter hour and UTC day × provider, model, api
/// flavour, tenant), the wide ones (quarter hour and UTC day × every groupable dimension, keyed by its dimension set)
/// and the tag ones (quarter hour and UTC day × tag key, tag value, provider, model, api flavour, tenant: a record counts
/// once under each of its tags, as in the tag rollups).
/// </summary>
internal static class LatencyRollups
{
    /// <summary>Throws unless the latency rollups can answer <paramref name="filter"/>: a range and groupable dimensions only (no session).</summary>
    public static void Validate(LedgerFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.SessionId is not null)
        {
            throw new ArgumentException("the latency rollups filter on the groupable dimensions only, not on a session", nameof(filter));
        }
    }

    /// <summary>Throws unless the tag latency rollups can answer <paramref name="filter"/>: a range, provider, model, api flavour and tenant only.</summary>
    public static void ValidateTag(LedgerFilter filter, string tagKey)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentException.ThrowIfNullOrEmpty(tagKey);
        if (!LedgerReportBuilder.TagRollupsServe(filter))
        {
            throw new ArgumentException("the tag latency rollups filter on provider, model, api flavour and tenant only", nameof(filter));
        }
    }

    /// <summary>True when the wide latency rollups must answer: all dimensions wanted, or a filter on project, user or key.</summary>
    public static bool Wide(LedgerFilter filter, bool allDimensions) =>
        allDimensions || filter.Project is not null || filter.User is not null || filter.KeyId is not null;

    /// <summary>
    /// What <paramref name="filter"/>'s range reads: days, hours and quarters from the rollups (a day mostly in the range
    /// as its day row, <see cref="RollupPlan.ShiftedDays"/>, less the hours outside it, <see cref="RollupPlan.NegativeHours"/>:
    /// rows come with a sign), the edges from raw records.
    /// </summary>
    public static RollupPlan Plan(LedgerFilter filter, long? firstQuarter, long? lastQuarter) =>
        RollupPlan.For(new LedgerQuery { Filter = filter }, firstQuarter, lastQuarter, signed: true, useDaily: true);

    /// <summary>Sums records into rows per UTC day and every dimension.</summary>
    public static List<LatencyRollupRow> FromRecords(IEnumerable<UsageRecord> records)
    {
        var cells = new Dictionary<RollupKey, LatencyCell>();
        foreach (var record in records)
        {
            var key = RollupKey.Of(record) with { Time = LedgerReportBuilder.DayOf(record.Timestamp.ToUnixTimeSeconds()) };
            ref var cell = ref CollectionsMarshal.GetValueRefOrAddDefault(cells, key, out _);
            (cell ??= new LatencyCell()).Add(record);
        }

        return [.. cells.Select(c => LatencyRollupRow.Of(c.Key, c.Value))];
    }

    /// <summary>
    /// Sums the records carrying the tag <paramref name="tagKey"/> (with the value <paramref name="tagValue"/> when given)
    /// into tag rows per UTC day, narrow dimensions and tag value.
    /// </summary>
    public static List<LatencyRollupRow> FromRecords(IEnumerable<UsageRecord> records, string tagKey, string? tagValue)
    {
        var cells = new Dictionary<TagRollupKey, LatencyCell>();
        foreach (var record in records)
        {
            if (record.Tags.TryGetValue(tagKey, out var value) && (tagValue is null || tagValue == value))
            {
                var key = RollupKey.Of(record);
                var tag = new TagRollupKey(LedgerReportBuilder.DayOf(key.Time), tagKey, value, key.Provider, key.Model, key.ApiFlavor, key.Tenant);
                ref var cell = ref CollectionsMarshal.GetValueRefOrAddDefault(cells, tag, out _);
                (cell ??= new LatencyCell()).Add(record);
            }
        }

        return [.. cells.Select(c => LatencyRollupRow.Of(c.Key, c.Value))];
    }

    /// <summary>Tag cells (keyed by quarter hour) summed per UTC day.</summary>
    public static Dictionary<TagRollupKey, LatencyCell> Daily(Dictionary<TagRollupKey, LatencyCell> cells) =>
        SumBy(cells, k => k with { Time = LedgerReportBuilder.DayOf(k.Time) });

    /// <summary>
    /// <paramref name="cells"/> (keyed by quarter hour and every dimension) summed per UTC day, by every dimension or, when
    /// <paramref name="narrow"/>, by provider, model, api flavour and tenant (project, user and key '').
    /// </summary>
    public static Dictionary<RollupKey, LatencyCell> Daily(Dictionary<RollupKey, LatencyCell> cells, bool narrow) =>
        SumBy(cells, k => narrow
            ? new RollupKey(LedgerReportBuilder.DayOf(k.Time), k.Provider, k.Model, k.ApiFlavor, k.Tenant, "", "", "")
            : k with { Time = LedgerReportBuilder.DayOf(k.Time) });

    /// <summary><paramref name="cells"/> summed by provider, model, api flavour and tenant (project, user and key '').</summary>
    public static Dictionary<RollupKey, LatencyCell> Narrow(Dictionary<RollupKey, LatencyCell> cells) =>
        SumBy(cells, k => k with { Project = "", User = "", KeyId = "" });

    private static Dictionary<TKey, LatencyCell> SumBy<TKey>(Dictionary<TKey, LatencyCell> cells, Func<TKey, TKey> keyOf)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(cells);
        var sums = new Dictionary<TKey, LatencyCell>();
        foreach (var (key, cell) in cells)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(sums, keyOf(key), out _);
            (sum ??= new LatencyCell()).Add(cell);
        }

        return sums;
    }
}
