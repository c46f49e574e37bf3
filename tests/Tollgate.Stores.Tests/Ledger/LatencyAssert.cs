using Tollgate.Ledger;

namespace Tollgate.Stores.Tests.Ledger;

/// <summary>Checks latency rollup rows against the records they sum.</summary>
internal static class LatencyAssert
{
    /// <summary>The rows hold, per UTC day, provider, model, api flavour and tenant, exactly the records' cache users and successful latencies' buckets.</summary>
    public static void SameAs(IEnumerable<UsageRecord> records, IEnumerable<LatencyRollupRow> rows)
    {
        Assert.Equal(Expected(records), Actual(rows));
    }

    private static List<string> Expected(IEnumerable<UsageRecord> records) =>
    [
        .. records.GroupBy(r => (LedgerReportBuilder.DayOf(r.Timestamp.ToUnixTimeSeconds()), r.Provider, r.Model, r.ApiFlavor ?? "", r.Tenant ?? ""))
            .Select(g =>
            {
                var histogram = new LatencyHistogram();
                foreach (var r in g.Where(r => r.Success))
                {
                    histogram.AddLatency(r.LatencyMs);
                }

                return Line(g.Key, g.Count(LatencyRollupRow.UsesCache), histogram);
            })
            .Where(l => l.Length > 0).Order(StringComparer.Ordinal),
    ];

    private static List<string> Actual(IEnumerable<LatencyRollupRow> rows) =>
    [
        .. rows.GroupBy(r => (r.Day, r.Provider, r.Model, r.ApiFlavor, r.Tenant))
            .Select(g =>
            {
                var histogram = new LatencyHistogram();
                foreach (var r in g)
                {
                    histogram.Add(r.Histogram);
                }

                return Line(g.Key, g.Sum(r => r.CacheCalls), histogram);
            })
            .Where(l => l.Length > 0).Order(StringComparer.Ordinal),
    ];

    private static string Line((long, string, string, string, string) key, long cacheCalls, LatencyHistogram histogram) =>
        cacheCalls == 0 && histogram.Count == 0 ? "" : $"{key} cache={cacheCalls} " + string.Join(",", histogram.Buckets.Select(b => $"{b.Bucket}:{b.Count}"));
}
