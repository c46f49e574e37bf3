using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Tests.Ledger;

public sealed class LedgerTimeOrderTests
{
    private static readonly DateTimeOffset Start = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadAsync_BoundedRangeOverUnorderedScans_EveryRecordOnceInTimeOrder()
    {
        await using var store = new ShuffledScanLedgerStore();
        var records = new List<UsageRecord>();
        for (var minute = 0; minute < 5 * 60; minute += 7)
        {
            records.Add(Record(records.Count, Start.AddMinutes(minute).AddTicks(minute * 10)));
        }

        for (var hour = 0; hour <= 5; hour++)
        {
            records.Add(Record(records.Count, Start.AddHours(hour)));              // on a window boundary
            records.Add(Record(records.Count, Start.AddHours(hour).AddTicks(-10))); // a microsecond before it
        }

        await store.AppendAsync(records, Ct);
        var to = Start.AddHours(4).AddMinutes(30);

        var read = new List<UsageRecord>();
        await foreach (var record in LedgerTimeOrder.ReadAsync(store, new LedgerFilter { From = Start, To = to }, Ct))
        {
            read.Add(record);
        }

        var expected = records.Where(r => r.Timestamp >= Start && r.Timestamp < to).OrderBy(r => r.Timestamp).ToList();
        Assert.Equal(expected.Select(r => r.Timestamp), read.Select(r => r.Timestamp));
        Assert.Equal(expected.Select(r => r.RequestId).Order(), read.Select(r => r.RequestId).Order());
        Assert.Equal(5, store.Scans);
    }

    [Fact]
    public async Task ReadAsync_OpenRange_ReadsInTheStoresOrder()
    {
        await using var store = new ShuffledScanLedgerStore();
        var records = Enumerable.Range(0, 20).Select(i => Record(i, Start.AddMinutes(90 * i))).ToList();
        await store.AppendAsync(records, Ct);

        var read = new List<UsageRecord>();
        await foreach (var record in LedgerTimeOrder.ReadAsync(store, new LedgerFilter { From = Start }, Ct))
        {
            read.Add(record);
        }

        Assert.Equal(records, read);
        Assert.Equal(0, store.Scans);
    }

    private static UsageRecord Record(int i, DateTimeOffset at) => new()
    {
        RequestId = $"r{i:D4}",
        Timestamp = at,
        Provider = "openai",
        Model = "gpt-4o",
        Usage = new Usage { InputTokens = 100, OutputTokens = 10 },
    };
}
