using Tollgate.Ledger;

namespace Tollgate.Stores.Tests.Ledger;

/// <summary>Latency rollup rows against the records they sum.</summary>
internal static class LatencyAssert
{
    /// <summary>
    /// The rows hold, per UTC day, provider, model, api flavour and tenant (and project, user and key when
    /// <paramref name="allDimensions"/>), exactly the records' cache users and successful latencies' buckets.
    /// </summary>
    public static void SameAs(IEnumerable<UsageRecord> records, IEnumerable<LatencyRollupRow> rows, bool allDimensions = false)
    {
        Assert.Equal(Expected(records, allDimensions, _ => ""), Actual(rows, allDimensions));
    }

    /// <summary>
    /// The tag rows hold, per UTC day, provider, model, api flavour, tenant and value of <paramref name="tagKey"/>, exactly
    /// the cache users and successful latencies' buckets of the records carrying that key.
    /// </summary>
    public static void SameAsTagged(IEnumerable<UsageRecord> records, string tagKey, IEnumerable<LatencyRollupRow> rows)
    {
        Assert.All(rows, r => Assert.Equal(("", "", ""), (r.Project, r.User, r.KeyId)));
        Assert.Equal(Expected(records.Where(r => r.Tags.ContainsKey(tagKey)), false, r => r.Tags[tagKey]), Actual(rows, false));
    }

    private static List<string> Expected(IEnumerable<UsageRecord> records, bool allDimensions, Func<UsageRecord, string> tag) =>
    [
        .. records.GroupBy(r => Key(LedgerReportBuilder.DayOf(r.Timestamp.ToUnixTimeSeconds()), r.Provider, r.Model, r.ApiFlavor ?? "", r.Tenant ?? "",
                allDimensions ? (r.Project ?? "", r.User ?? "", r.KeyId ?? "") : ("", "", ""), tag(r)))
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

    private static List<string> Actual(IEnumerable<LatencyRollupRow> rows, bool allDimensions) =>
    [
        .. rows.GroupBy(r => Key(r.Day, r.Provider, r.Model, r.ApiFlavor, r.Tenant, allDimensions ? (r.Project, r.User, r.KeyId) : ("", "", ""), r.TagValue))
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

    private static string Key(long day, string provider, string model, string apiFlavor, string tenant, (string Project, string User, string Key) wide, string tag) =>
        $"({day}, {provider}, {model}, {apiFlavor}, {tenant}, {wide.Project}, {wide.User}, {wide.Key}, tag {tag})";

    private static string Line(string key, long cacheCalls, LatencyHistogram histogram) =>
        cacheCalls == 0 && histogram.Count == 0 ? "" : $"{key} cache={cacheCalls} " + string.Join(",", histogram.Buckets.Select(b => $"{b.Bucket}:{b.Count}"));
}
