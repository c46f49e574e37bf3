using System.Text;
using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI.Tests.Fakes;
using Tollgate.Extensions.AI.Tests.Infrastructure;
using Tollgate.Tokens;

namespace Tollgate.Extensions.AI.Tests;

public sealed class StreamingTests
{
    private static readonly string[] Chunks = ["The capital ", "of France ", "is Paris, ", "a city on ", "the Seine."];

    [Fact]
    public async Task GetStreamingResponseAsync_UsageContent_PassesUpdatesThroughAndRecordsExactCost()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o")
        {
            StreamChunks = Chunks,
            Usage = new UsageDetails { InputTokenCount = 3000, CachedInputTokenCount = 1000, OutputTokenCount = 800 },
        };
        using var client = inner.WithTollgate(tollgate.Engine);

        var text = new StringBuilder();
        var updates = 0;
        await foreach (var update in client.GetStreamingResponseAsync(Prompt.Messages(), cancellationToken: Ct))
        {
            text.Append(update.Text);
            updates++;
        }

        Assert.Equal(string.Concat(Chunks), text.ToString());
        Assert.Equal(Chunks.Length + 1, updates);
        // 2000 uncached × 2.5/M + 1000 cached × 1.25/M + 800 × 10/M = 0.005 + 0.00125 + 0.008.
        var record = await tollgate.SingleRecordAsync();
        Assert.Equal(0.01425m, record.TotalCost);
        Assert.False(record.Estimated);
        Assert.True(record.Success);
        Assert.Equal(1000, record.Usage.CacheReadTokens);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_UsageSplitOverUpdates_SumsThemOnce()
    {
        await using var tollgate = new TestTollgate();
        using var client = new SplitUsageClient().WithTollgate(tollgate.Engine);

        await foreach (var _ in client.GetStreamingResponseAsync(Prompt.Messages(), cancellationToken: Ct))
        {
        }

        // Input reported first (1000), output at the end (400): 1000 × 2.5/M + 400 × 10/M.
        var record = await tollgate.SingleRecordAsync();
        Assert.Equal(1000, record.Usage.InputTokens);
        Assert.Equal(400, record.Usage.OutputTokens);
        Assert.Equal(0.0065m, record.TotalCost);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CancelledMidStream_BillsCountedTokensFlaggedEstimated()
    {
        await using var tollgate = new TestTollgate();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var inner = new FakeChatClient("openai", "gpt-4o") { StreamChunks = Chunks };
        inner.OnChunkSent = sent =>
        {
            if (sent == 2)
            {
                cts.Cancel();
            }
        };
        using var client = inner.WithTollgate(tollgate.Engine);

        var received = new StringBuilder();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Prompt.Messages(), cancellationToken: cts.Token))
            {
                received.Append(update.Text);
            }
        });

        Assert.Equal("The capital of France ", received.ToString());
        var record = await tollgate.SingleRecordAsync();
        var counted = TiktokenEncoding.O200kBase.CountTokens("The capital of France ");
        Assert.True(record.Estimated);
        Assert.False(record.Success);
        Assert.Equal("cancelled", record.ErrorClass);
        Assert.Equal(Prompt.Tokens, record.Usage.InputTokens);
        Assert.Equal(counted, record.Usage.OutputTokens);
        Assert.Equal((Prompt.Tokens * 2.5m / 1_000_000m) + (counted * 10m / 1_000_000m), record.TotalCost);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_InnerFailsMidStream_BillsCountedTokensAndRethrows()
    {
        var budget = new Budgets.Budget { Id = "daily", Limit = 1m, Period = Budgets.BudgetPeriod.Daily };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new FakeChatClient("openai", "gpt-4o")
        {
            StreamChunks = Chunks,
            FailStream = (3, new IOException("connection reset")),
        };
        using var client = inner.WithTollgate(tollgate.Engine);

        await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Prompt.Messages(), cancellationToken: Ct))
            {
            }
        });

        var record = await tollgate.SingleRecordAsync();
        var counted = TiktokenEncoding.O200kBase.CountTokens("The capital of France is Paris, ");
        Assert.True(record.Estimated);
        Assert.Equal("IOException", record.ErrorClass);
        Assert.Equal(counted, record.Usage.OutputTokens);
        // The budget was charged what was billed, and the rest of the hold released.
        var status = Assert.Single(await tollgate.Gate.GetStatusAsync(Ct));
        Assert.Equal(record.TotalCost, status.Spent);
        Assert.Equal(0m, status.Held);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ConsumerStopsReading_BilledAsCutOff()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o") { StreamChunks = Chunks };
        using var client = inner.WithTollgate(tollgate.Engine);

        await foreach (var update in client.GetStreamingResponseAsync(Prompt.Messages(), cancellationToken: Ct))
        {
            break;
        }

        var record = await tollgate.SingleRecordAsync();
        Assert.Equal("cut_off", record.ErrorClass);
        Assert.True(record.Estimated);
        Assert.Equal(TiktokenEncoding.O200kBase.CountTokens(Chunks[0]), record.Usage.OutputTokens);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CompletedWithoutUsage_BillsCountedTokensFlaggedEstimated()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o") { StreamChunks = Chunks, Usage = null };
        using var client = inner.WithTollgate(tollgate.Engine);

        await foreach (var _ in client.GetStreamingResponseAsync(Prompt.Messages(), cancellationToken: Ct))
        {
        }

        var record = await tollgate.SingleRecordAsync();
        Assert.True(record.Estimated);
        Assert.True(record.Success);
        Assert.Equal(TiktokenEncoding.O200kBase.CountTokens(string.Concat(Chunks)), record.Usage.OutputTokens);
    }

    /// <summary>Reports input usage in the first update and output usage in the last, as Anthropic-style streams do.</summary>
    private sealed class SplitUsageClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = 1000 })]);
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Paris.");
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { OutputTokenCount = 400 })]);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("openai", null, "gpt-4o") : null;

        public void Dispose()
        {
        }
    }
}
