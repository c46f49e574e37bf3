using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Tests.Analytics;

public sealed class LedgerAnalyticsTests
{
    private static readonly DateTimeOffset Start = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BreakdownAsync_ByTagOverSlicedRange_CountsEveryRecordOnceWhateverTheSlice()
    {
        // One record every 7 seconds over 3 hours, and one on each whole second around every place the range could
        // be cut (a record at a cut belongs to exactly one slice).
        await using var store = new InMemoryLedgerStore();
        var records = new List<UsageRecord>();
        var end = Start.AddHours(3);
        for (var at = Start; at < end; at = at.AddSeconds(7))
        {
            records.Add(Record(records.Count, at));
        }

        for (var slices = 2; slices <= 4; slices++)
        {
            var step = TimeSpan.FromSeconds(Math.Floor((end - Start).TotalSeconds / slices));
            for (var i = 1; i < slices; i++)
            {
                records.Add(Record(records.Count, Start + step * i));
                records.Add(Record(records.Count, Start + step * i - TimeSpan.FromTicks(10)));
            }
        }

        records.Add(Record(records.Count, end)); // outside: To is exclusive
        await store.AppendAsync(records, Ct);

        var outcome = await new LedgerAnalytics(store).BreakdownAsync(new BreakdownQuery
        {
            Filter = new LedgerFilter { From = Start, To = end },
            By = AnalyticsDimension.Tag("feature"),
        }, Ct);

        Assert.Null(outcome.Error);
        var inRange = records.Where(r => r.Timestamp < end).ToList();
        var expected = inRange.GroupBy(r => r.Tags["feature"]).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected, outcome.Value!.Rows.ToDictionary(r => r.Key, r => r.Metrics.Requests));
        Assert.Equal(inRange.Sum(r => r.TotalCostNanos), outcome.Value.Total.CostNanos);
    }

    [Theory]
    [InlineData(1_000, "model", false, false)]
    [InlineData(10, "model", false, false)]
    [InlineData(10, "tag", false, true)]
    [InlineData(1_000, "tag", false, false)]
    [InlineData(10, "model", true, true)]
    [InlineData(1_000, "model", true, false)]
    [InlineData(10, "tag", true, false)]
    [InlineData(10, "project", false, true)]
    [InlineData(1_000, "project", false, false)]
    public async Task CompareWithinLimitAsync_MoreCallsThanTheLimit_FromRollupsWithANoteUnlessLatencyRollupsServeOrNoRollupCan(long limit, string by, bool tagFilter, bool rolledUp)
    {
        await using var store = new InMemoryLedgerStore();
        var records = Enumerable.Range(0, 40).Select(i => Record(i, Start.AddMinutes(5 * i)) with { LatencyMs = 100 + i }).ToList();
        await store.AppendAsync(records, Ct);

        // The narrow latency rollups serve a comparison by model at any range; the wide ones by project, and the tag ones by a
        // tag or with one tag filter by a dimension, up to the limit; a tag filter by a tag reads every call.
        var outcome = await new LedgerAnalytics(store).CompareWithinLimitAsync(new BreakdownQuery
        {
            Filter = new LedgerFilter { From = Start, To = Start.AddDays(1) },
            Tags = tagFilter ? [new TagFilter("feature", "f1")] : [],
            By = by switch
            {
                "tag" => AnalyticsDimension.Tag("feature"),
                "project" => AnalyticsDimension.Of(LedgerDimension.Project),
                _ => AnalyticsDimension.Of(LedgerDimension.Model),
            },
        }, rawLimit: limit, cancellationToken: Ct);

        Assert.Null(outcome.Error);
        var comparison = outcome.Value!;
        var included = records.Where(r => !tagFilter || r.Tags["feature"] == "f1").ToList();
        Assert.Equal(included.Sum(r => r.TotalCostNanos), comparison.Total.CostNanos);
        Assert.Equal(rolledUp, comparison.Note is not null);
        Assert.Equal(rolledUp, comparison.Rows[0].LatencyP50Ms is null);
        if (rolledUp)
        {
            Assert.StartsWith($"{included.Count} calls: latency percentiles", comparison.Note, StringComparison.Ordinal);
        }
        else if (by != "tag" && !tagFilter)
        {
            // By model or project (none: one group) the latency rollups serve any range: 100 … 139 ms, the median (rank 20) 119 ms, exact below 128 ms;
            // p95 (rank 38) 137 ms, in the bucket 136–137 ms and reported as its upper bound.
            Assert.Equal([(119L, 137L)], comparison.Rows.Select(r => (r.LatencyP50Ms!.Value, r.LatencyP95Ms!.Value)));
        }
        else
        {
            // Each group's nearest-rank percentiles, as the bucket's upper bound (the latency itself below 128 ms).
            foreach (var row in comparison.Rows)
            {
                var latencies = included.Where(r => by != "tag" || r.Tags["feature"] == row.Key).Select(r => r.LatencyMs).Order().ToList();
                long Expected(double q) => LatencyBuckets.Upper(LatencyBuckets.Of(latencies[(int)Math.Ceiling(q * latencies.Count) - 1]));
                Assert.Equal((Expected(0.5), Expected(0.95)), (row.LatencyP50Ms!.Value, row.LatencyP95Ms!.Value));
            }
        }
    }

    private static UsageRecord Record(int i, DateTimeOffset at) => new()
    {
        RequestId = $"r{i}",
        Timestamp = at,
        Provider = "openai",
        Model = "gpt-4o",
        Tags = new Dictionary<string, string> { ["feature"] = $"f{i % 3}" },
        Usage = new Usage { InputTokens = 100 + i, OutputTokens = 10 },
        TotalCostNanos = 1_000 + i,
        InputCostNanos = 1_000 + i,
    };
}
