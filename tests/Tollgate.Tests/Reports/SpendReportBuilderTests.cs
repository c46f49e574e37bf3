using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Reports;
using Xunit;

namespace Tollgate.Tests.Reports;

/// <summary>A report over more calls than it reads one by one compares models from the rollups, and says what it left out.</summary>
public sealed class SpendReportBuilderTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    private static async Task<InMemoryLedgerStore> LedgerAsync()
    {
        var ledger = new InMemoryLedgerStore();
        await ledger.AppendAsync([.. Enumerable.Range(0, 6).Select(i => new UsageRecord
        {
            RequestId = $"r{i}",
            Timestamp = Start.AddHours(i),
            Provider = "openai",
            Model = i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini",
            Usage = new Usage { InputTokens = 100, OutputTokens = 10 },
            TotalCost = i % 2 == 0 ? 0.5m : 0.25m,
            LatencyMs = 100 * (i + 1),
        })], TestContext.Current.CancellationToken);
        return ledger;
    }

    [Theory]
    [InlineData(null)]
    [InlineData(5L)]
    public async Task BuildAsync_MoreCallsThanTheRawLimit_ComparesFromTheLatencyRollupsWithoutANote(long? limit)
    {
        var ledger = await LedgerAsync();
        var filter = new LedgerFilter { From = Start, To = Start.AddDays(1) };

        var outcome = await SpendReportBuilder.BuildAsync(ledger, filter, TimeZoneInfo.Utc, Start.AddDays(2), rawComparisonLimit: limit, cancellationToken: TestContext.Current.CancellationToken);

        var report = outcome.Value!;
        Assert.Equal([("gpt-4o", 1.5m, 3L), ("gpt-4o-mini", 0.75m, 3L)], report.Comparison.Rows.Select(r => (r.Key, r.Metrics.Cost, r.Metrics.Requests)));
        Assert.Equal(2.25m, report.Comparison.Total.Cost);
        Assert.Null(report.ComparisonNote);
        // 100, 300, 500 ms: the median 300 ms lies in the latency bucket 300–303 ms, reported as its upper bound.
        Assert.Equal(303, report.Comparison.Rows[0].LatencyP50Ms);
    }
}
