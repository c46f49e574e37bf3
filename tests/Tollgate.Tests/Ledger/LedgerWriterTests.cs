using Microsoft.Extensions.Time.Testing;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Tests.Ledger;

public sealed class LedgerWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tollgate-writer-" + Guid.NewGuid().ToString("N"));

    private string SpoolPath => Path.Combine(_dir, "spool", "ledger.spool.jsonl");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static UsageRecord Record(int i, decimal cost = 0.01m) => new()
    {
        RequestId = $"r{i}",
        Timestamp = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero).AddSeconds(i),
        Provider = "openai",
        Model = "gpt-4o",
        Usage = new Usage { InputTokens = 10, OutputTokens = 2 },
        TotalCost = cost,
    };

    private static async Task<long> Requests(ILedgerStore store) => (await store.QueryAsync(new LedgerQuery(), Ct)).Total.Requests;

    [Fact]
    public async Task AppendAsync_ManyConcurrent_AllStoredOnceAppendsComplete()
    {
        var store = new InMemoryLedgerStore();
        await using (var writer = new LedgerWriter(store, new LedgerWriterOptions { MaxBatchSize = 64, Capacity = 128 }))
        {
            await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => writer.AppendAsync(Record(i), Ct).AsTask()));
            Assert.Equal(1000, await Requests(store));
        }
    }

    [Fact]
    public async Task AppendAsync_StoreUnreachable_SpoolsThenReplaysExactlyOnce()
    {
        var store = new FlakyLedgerStore { Reachable = false };
        await using var writer = new LedgerWriter(store, new LedgerWriterOptions { SpoolPath = SpoolPath, MaxBatchSize = 10 });

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => writer.AppendAsync(Record(i), Ct).AsTask()));

        Assert.Equal(0, await Requests(store));
        Assert.Equal(50, writer.SpooledRecords);
        Assert.Equal(50, File.ReadAllLines(SpoolPath).Length);

        var stillDown = await writer.ReplaySpoolAsync(Ct);
        Assert.Equal(default, stillDown);
        Assert.Equal(50, File.ReadAllLines(SpoolPath).Length);

        store.Reachable = true;
        var replayed = await writer.ReplaySpoolAsync(Ct);
        var again = await writer.ReplaySpoolAsync(Ct);
        await writer.AppendAsync(Record(7), Ct);

        Assert.Equal(new LedgerAppendResult(50, 0), replayed);
        Assert.Equal(default, again);
        Assert.Equal(50, await Requests(store));
        Assert.Equal(0.5m, (await store.QueryAsync(new LedgerQuery(), Ct)).Total.Cost);
        Assert.Equal(0, new FileInfo(SpoolPath).Length);
    }

    [Fact]
    public async Task Writer_StoreComesBack_ReplaysSpoolAfterInterval()
    {
        var time = new FakeTimeProvider();
        var store = new FlakyLedgerStore { Reachable = false };
        await using var writer = new LedgerWriter(store, new LedgerWriterOptions { SpoolPath = SpoolPath, ReplayInterval = TimeSpan.FromSeconds(5) }, time);
        await writer.AppendAsync(Record(1), Ct);
        store.Reachable = true;

        for (var i = 0; i < 200 && await Requests(store) == 0; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(10, Ct);
        }

        Assert.Equal(1, await Requests(store));
    }

    [Fact]
    public async Task Writer_RestartedWithLeftoverSpool_ReplaysItWithoutDoubling()
    {
        var store = new FlakyLedgerStore();
        await store.AppendAsync([Record(1)], Ct);
        // A previous process spooled r1..r3 and died after the store took r1 but before the spool was emptied.
        await new LedgerSpool(SpoolPath).AppendAsync([Record(1), Record(2), Record(3)], Ct);

        await using (var writer = new LedgerWriter(store, new LedgerWriterOptions { SpoolPath = SpoolPath }))
        {
            var result = await writer.ReplaySpoolAsync(Ct);
            Assert.Equal(new LedgerAppendResult(2, 1), result);
        }

        Assert.Equal(3, await Requests(store));
    }

    [Fact]
    public async Task ReplayAsync_TornLastLine_IsDroppedAndTheRestReplayed()
    {
        var spool = new LedgerSpool(SpoolPath);
        await spool.AppendAsync([Record(1), Record(2)], Ct);
        await File.AppendAllTextAsync(SpoolPath, LedgerJsonLines.Serialize(Record(3))[..40], Ct);
        var store = new InMemoryLedgerStore();

        var result = await spool.ReplayAsync(store, Ct);

        Assert.Equal(2, result.Inserted);
        Assert.False(spool.HasPending);
    }

    [Fact]
    public async Task AppendAsync_StoreDownWithoutSpool_Throws()
    {
        var store = new FlakyLedgerStore { Reachable = false };
        await using var writer = new LedgerWriter(store);

        await Assert.ThrowsAsync<IOException>(async () => await writer.AppendAsync(Record(1), Ct));
    }

    [Fact]
    public async Task DisposeAsync_WithQueuedRecords_FlushesThemFirst()
    {
        var store = new InMemoryLedgerStore();
        var writer = new LedgerWriter(store, new LedgerWriterOptions { MaxBatchSize = 7 });
        var pending = Enumerable.Range(0, 300).Select(i => writer.AppendAsync(Record(i), Ct).AsTask()).ToList();

        await writer.DisposeAsync();

        await Task.WhenAll(pending);
        Assert.Equal(300, await Requests(store));
    }

    [Fact]
    public async Task EnqueueAsync_ThenFlushAsync_EveryRecordStoredOnce()
    {
        var store = new InMemoryLedgerStore();
        await using var writer = new LedgerWriter(store, new LedgerWriterOptions { MaxBatchSize = 50, Capacity = 64 });

        // More than the capacity: producers wait for room instead of dropping.
        for (var i = 0; i < 1000; i++)
        {
            await writer.EnqueueAsync(Record(i), Ct);
        }

        await writer.FlushAsync(Ct);

        Assert.Equal(1000, await Requests(store));
        Assert.Equal(0, writer.FailedRecords);
    }

    [Fact]
    public async Task FlushAsync_WhileTheWriterLingers_DoesNotWaitOutTheLinger()
    {
        var store = new InMemoryLedgerStore();
        await using var writer = new LedgerWriter(store, new LedgerWriterOptions { Linger = TimeSpan.FromSeconds(1) });
        await writer.EnqueueAsync(Record(1), Ct);
        // Give the loop time to wake up and start lingering on the one record.
        await Task.Delay(50, Ct);
        Assert.Equal(0, await Requests(store));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await writer.FlushAsync(Ct);

        Assert.Equal(1, await Requests(store));
        Assert.True(clock.ElapsedMilliseconds < 900, $"flush took {clock.ElapsedMilliseconds} ms: it waited out the linger");
    }

    [Fact]
    public async Task EnqueueAsync_ManyRecordsWhileTheWriterLingers_StoredInOneBatchWhenTheLingerEnds()
    {
        // Records queued during a linger must not each (nor every few hundred) wake the loop: one batch per linger.
        var store = new InMemoryLedgerStore();
        await using var writer = new LedgerWriter(store, new LedgerWriterOptions { Linger = TimeSpan.FromSeconds(1) });
        await writer.EnqueueAsync(Record(0), Ct);
        await Task.Delay(50, Ct);
        for (var i = 1; i < 900; i++)
        {
            await writer.EnqueueAsync(Record(i), Ct);
        }

        await Task.Delay(300, Ct);
        Assert.Equal(0, await Requests(store));
        for (var wait = System.Diagnostics.Stopwatch.StartNew(); await Requests(store) < 900 && wait.ElapsedMilliseconds < 10_000;)
        {
            await Task.Delay(20, Ct);
        }

        Assert.Equal(900, await Requests(store));
        Assert.Equal(1, writer.Batches);
    }

    [Fact]
    public async Task EnqueueAsync_QueueHalfFullWhileTheWriterLingers_StoresWithoutWaitingOutTheLinger()
    {
        var store = new InMemoryLedgerStore();
        await using var writer = new LedgerWriter(store, new LedgerWriterOptions { Linger = TimeSpan.FromSeconds(1), Capacity = 100 });
        await writer.EnqueueAsync(Record(0), Ct);
        await Task.Delay(50, Ct);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 1; i < 50; i++)
        {
            await writer.EnqueueAsync(Record(i), Ct);
        }

        while (await Requests(store) < 50 && clock.ElapsedMilliseconds < 10_000)
        {
            await Task.Delay(10, Ct);
        }

        Assert.Equal(50, await Requests(store));
        Assert.True(clock.ElapsedMilliseconds < 900, $"stored after {clock.ElapsedMilliseconds} ms: the half-full queue waited out the linger");
    }

    [Fact]
    public async Task EnqueueAsync_StoreDownWithoutSpool_CountsTheLossAndFlushStillCompletes()
    {
        var store = new FlakyLedgerStore { Reachable = false };
        await using var writer = new LedgerWriter(store);
        for (var i = 0; i < 5; i++)
        {
            await writer.EnqueueAsync(Record(i), Ct);
        }

        await writer.FlushAsync(Ct);

        Assert.Equal(5, writer.FailedRecords);
    }

    [Fact]
    public async Task EnqueueAsync_StoreDownWithSpool_SpoolsThem()
    {
        var store = new FlakyLedgerStore { Reachable = false };
        await using var writer = new LedgerWriter(store, new LedgerWriterOptions { SpoolPath = SpoolPath });
        await writer.EnqueueAsync(Record(1), Ct);
        await writer.EnqueueAsync(Record(2), Ct);

        await writer.FlushAsync(Ct);

        Assert.Equal(2, writer.SpooledRecords);
        Assert.Equal(0, writer.FailedRecords);
        Assert.Equal(2, File.ReadAllLines(SpoolPath).Length);
    }

    [Fact]
    public async Task EnqueueAsync_RecordNoStoreTakes_ThrowsSayingWhy()
    {
        await using var writer = new LedgerWriter(new InMemoryLedgerStore());

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await writer.EnqueueAsync(Record(1) with { Provider = "" }, Ct));

        Assert.Contains("provider and model are required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_WithQueuedRecordsOnly_StoresThemAndLaterFlushReturns()
    {
        var store = new InMemoryLedgerStore();
        var writer = new LedgerWriter(store, new LedgerWriterOptions { Linger = TimeSpan.FromSeconds(1) });
        for (var i = 0; i < 300; i++)
        {
            await writer.EnqueueAsync(Record(i), Ct);
        }

        await writer.DisposeAsync();
        await writer.FlushAsync(Ct);

        Assert.Equal(300, await Requests(store));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
