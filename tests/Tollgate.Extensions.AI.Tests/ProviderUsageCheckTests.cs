using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI.Tests.Fakes;
using Tollgate.Extensions.AI.Tests.Infrastructure;
using Tollgate.Metering;

namespace Tollgate.Extensions.AI.Tests;

/// <summary>
/// Usage a provider reports that cannot be billed as it stands (negative, absurd) is billed from Tollgate's own count,
/// flagged estimated with the error class the gateway records too, and the record is always written.
/// </summary>
public sealed class ProviderUsageCheckTests
{
    [Theory]
    [InlineData(10_000_000_000_000_000L, UsageCheck.ImplausibleClass)]
    [InlineData(20_000_000L, UsageCheck.ImplausibleClass)]
    [InlineData(-300L, UsageCheck.MalformedClass)]
    public async Task GetResponseAsync_BadOutputCount_BilledFromCountedTextFlaggedAndRecorded(long outputTokens, string errorClass)
    {
        await using var tollgate = new TestTollgate([new Budgets.Budget { Id = "monthly", Limit = 1m, Period = Budgets.BudgetPeriod.Monthly }]);
        var inner = new FakeChatClient("openai", "gpt-4o-mini") { Usage = new UsageDetails { InputTokenCount = 5, OutputTokenCount = outputTokens } };
        using var client = inner.WithTollgate(tollgate.Engine);

        var response = await client.GetResponseAsync(Prompt.Messages(), new ChatOptions { MaxOutputTokens = 100 }, Ct);

        var record = await tollgate.SingleRecordAsync();
        Assert.True(record.Success);
        Assert.True(record.Estimated);
        Assert.Equal(errorClass, record.ErrorClass);
        Assert.InRange(record.Usage.OutputTokens, 3, 20);
        Assert.True(record.TotalCost is > 0m and < 0.0001m, $"billed {record.TotalCost}");
        Assert.Equal(record.TotalCost, response.AdditionalProperties?[TollgatePropertyKeys.Cost]);
        var status = Assert.Single(await tollgate.Gate.GetStatusAsync(Ct));
        Assert.Equal(record.TotalCost, status.Spent);
        Assert.Equal(0m, status.Held);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ImplausibleUsage_BilledFromCountedStream()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o-mini")
        {
            StreamChunks = ["The capital ", "of France ", "is Paris."],
            Usage = new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10_000_000_000_000_000 },
        };
        using var client = inner.WithTollgate(tollgate.Engine);

        await foreach (var _ in client.GetStreamingResponseAsync(Prompt.Messages(), new ChatOptions { MaxOutputTokens = 100 }, Ct))
        {
        }

        var record = await tollgate.SingleRecordAsync();
        Assert.True(record.Success);
        Assert.True(record.Estimated);
        Assert.Equal(UsageCheck.ImplausibleClass, record.ErrorClass);
        Assert.InRange(record.Usage.OutputTokens, 3, 20);
    }

    [Fact]
    public async Task GetResponseAsync_PlausibleUsage_BilledAsReportedWithoutErrorClass()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o-mini") { Usage = new UsageDetails { InputTokenCount = 5, OutputTokenCount = 90 } };
        using var client = inner.WithTollgate(tollgate.Engine);

        await client.GetResponseAsync(Prompt.Messages(), new ChatOptions { MaxOutputTokens = 100 }, Ct);

        var record = await tollgate.SingleRecordAsync();
        Assert.False(record.Estimated);
        Assert.Null(record.ErrorClass);
        Assert.Equal(90, record.Usage.OutputTokens);
    }
}
