using System.Runtime.InteropServices;

namespace Tollgate.Ledger;

/// <summary>Helpers shared by the stores for the latency rollups (quarter hour and UTC day × provider, model, api flavour, tenant).</summary>
internal static class LatencyRollups
{
    /// <summary>Throws unless the latency rollups can answer <paramref name="filter"/>: a range and narrow dimensions only.</summary>
    public static void Validate(LedgerFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Project is not null || filter.User is not null || filter.KeyId is not null || filter.SessionId is not null)
        {
            throw new ArgumentException("the latency rollups filter on provider, model, api flavour and tenant only", nameof(filter));
        }
    }

    /// <summary>What <paramref name="filter"/>'s range reads: days, hours and quarters from the rollups, the edges from raw records.</summary>
    public static RollupPlan Plan(LedgerFilter filter, long? firstQuarter, long? lastQuarter) =>
        RollupPlan.For(new LedgerQuery { Filter = filter }, firstQuarter, lastQuarter, useDaily: true);

    /// <summary>Sums records into rows per UTC day and narrow dimensions.</summary>
    public static List<LatencyRollupRow> FromRecords(IEnumerable<UsageRecord> records)
    {
        var cells = new Dictionary<(long, string, string, string, string), LatencyCell>();
        foreach (var record in records)
        {
            var key = (LedgerReportBuilder.DayOf(record.Timestamp.ToUnixTimeSeconds()), record.Provider, record.Model, record.ApiFlavor ?? "", record.Tenant ?? "");
            ref var cell = ref CollectionsMarshal.GetValueRefOrAddDefault(cells, key, out _);
            (cell ??= new LatencyCell()).Add(record);
        }

        return [.. cells.Select(c => new LatencyRollupRow(c.Key.Item1, c.Key.Item2, c.Key.Item3, c.Key.Item4, c.Key.Item5, c.Value.CacheCalls, c.Value.Histogram))];
    }
}
