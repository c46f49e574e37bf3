using Microsoft.Extensions.AI;
using Tollgate.Budgets;
using Tollgate.Extensions.AI.Tests.Fakes;
using Tollgate.Extensions.AI.Tests.Infrastructure;

namespace Tollgate.Extensions.AI.Tests;

public sealed class BudgetEnforcementTests
{
    [Fact]
    public async Task GetResponseAsync_HardBudgetWouldBeCrossed_ThrowsWithTheDecisionAndNeverCallsInner()
    {
        var budget = new Budget { Id = "team-daily", Name = "Team daily", Limit = 0.05m, Period = BudgetPeriod.Daily };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new FakeChatClient("openai", "gpt-4o")
        {
            Usage = new UsageDetails { InputTokenCount = 1000, CachedInputTokenCount = 400, OutputTokenCount = 500 },
        };
        using var client = inner.WithTollgate(tollgate.Engine);

        // First call: worst case ≈ 1000 × $10/M = $0.01 fits; it costs $0.007.
        await client.GetResponseAsync(Prompt.Messages(), new ChatOptions { MaxOutputTokens = 1000 }, Ct);
        // Second call: worst case ≈ 5000 × $10/M = $0.05 > $0.043 remaining.
        var refused = await Assert.ThrowsAsync<TollgateBudgetExceededException>(
            () => client.GetResponseAsync(Prompt.Messages(), new ChatOptions { MaxOutputTokens = 5000 }, Ct));

        Assert.Equal(1, inner.Calls);
        Assert.False(refused.Decision.Allowed);
        Assert.Equal(BudgetStrategy.Refused, refused.Decision.Strategy);
        Assert.Equal("team-daily", refused.BudgetId);
        Assert.Equal(0.05m, refused.Limit);
        Assert.Equal(0.007m, refused.Spent);
        Assert.Equal(0m, refused.Held);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), refused.ResetsAt);
        var expectedNeeded = (Prompt.Tokens * 2.5m / 1_000_000m) + (5000 * 10m / 1_000_000m);
        Assert.Equal(expectedNeeded, refused.Needed);
        Assert.Contains("Team daily", refused.Message, StringComparison.Ordinal);
        Assert.Contains("limit 0.05 USD", refused.Message, StringComparison.Ordinal);
        // A refusal bills nothing and writes no record.
        Assert.Single(await tollgate.RecordsAsync());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_HardBudgetWouldBeCrossed_ThrowsBeforeStreaming()
    {
        var budget = new Budget { Id = "tiny", Limit = 0.001m, Period = BudgetPeriod.Monthly };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = inner.WithTollgate(tollgate.Engine);

        var refused = await Assert.ThrowsAsync<TollgateBudgetExceededException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Prompt.Messages(), cancellationToken: Ct))
            {
            }
        });

        Assert.Equal(0, inner.Calls);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), refused.ResetsAt);
        Assert.Empty(await tollgate.RecordsAsync());
    }

    [Fact]
    public async Task GetResponseAsync_AdaptiveBudget_InnerSeesLoweredMaxOutputTokensAndCallerOptionsKeepTheirs()
    {
        var budget = new Budget { Id = "adaptive", Limit = 0.01m, Period = BudgetPeriod.Daily, Enforcement = BudgetEnforcement.Adaptive };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = inner.WithTollgate(tollgate.Engine);
        var options = new ChatOptions { MaxOutputTokens = 4000 };

        await client.GetResponseAsync(Prompt.Messages(), options, Ct);

        // Room for output = $0.01 − prompt × $2.5/M (one request) at $10/M per output token, rounded down.
        var expected = (int)decimal.Floor((0.01m - (Prompt.Tokens * 2.5m / 1_000_000m)) / (10m / 1_000_000m));
        var seen = Assert.Single(inner.SeenOptions);
        Assert.Equal(expected, seen!.MaxOutputTokens);
        Assert.Equal(4000, options.MaxOutputTokens);
        Assert.Null(seen.ModelId);
    }

    [Fact]
    public async Task GetResponseAsync_AdaptiveBudgetAllSteps_InnerSeesFallbackModelNoToolsLowerTemperatureAndMaxTokens()
    {
        var budget = new Budget { Id = "adaptive", Limit = 0.0002m, Period = BudgetPeriod.Daily, Enforcement = BudgetEnforcement.Adaptive };
        var gateOptions = new BudgetGateOptions
        {
            AdaptiveOrder = [AdaptiveStep.FallbackModel, AdaptiveStep.DropTools, AdaptiveStep.LowerTemperature, AdaptiveStep.LowerMaxTokens],
        };
        await using var tollgate = new TestTollgate([budget], gateOptions);
        var inner = new FakeChatClient("openai", "gpt-4o") { Usage = new UsageDetails { InputTokenCount = 30, OutputTokenCount = 10 } };
        using var client = inner.WithTollgate(tollgate.Engine, o => o.FallbackModel = "gpt-4o-mini");
        var tool = AIFunctionFactory.Create((string city) => $"Sunny in {city}", "get_weather", "Gets the current weather for a city.");
        var options = new ChatOptions { MaxOutputTokens = 1000, Temperature = 0.9f, Tools = [tool] };

        await client.GetResponseAsync(Prompt.Messages(), options, Ct);

        var seen = Assert.Single(inner.SeenOptions)!;
        Assert.Equal("gpt-4o-mini", seen.ModelId);
        Assert.Null(seen.Tools);
        Assert.Equal(0.2f, seen.Temperature);
        Assert.InRange(seen.MaxOutputTokens!.Value, 16, 999);
        // The caller's options are untouched.
        Assert.Equal((1000, 0.9f, 1), (options.MaxOutputTokens!.Value, options.Temperature!.Value, options.Tools.Count));
        // Recorded and priced as the model actually sent: gpt-4o-mini, 30 × 0.15/M + 10 × 0.6/M.
        var record = await tollgate.SingleRecordAsync();
        Assert.Equal("gpt-4o-mini", record.Model);
        Assert.Equal(0.0000105m, record.TotalCost);
    }

    [Fact]
    public async Task GetResponseAsync_BudgetScopedToUser_OnlyThatUsersCallsAreCounted()
    {
        var budget = new Budget { Id = "u1-daily", Limit = 0.0005m, Period = BudgetPeriod.Daily, Scope = new BudgetScope { User = "u1" } };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = inner.WithTollgate(tollgate.Engine);
        var small = new ChatOptions { MaxOutputTokens = 10 };

        using (tollgate.Engine.BeginScope(user: "u2"))
        {
            await client.GetResponseAsync(Prompt.Messages(), new ChatOptions { MaxOutputTokens = 100_000 }, Ct);
        }

        using (tollgate.Engine.BeginScope(user: "u1"))
        {
            await Assert.ThrowsAsync<TollgateBudgetExceededException>(
                () => client.GetResponseAsync(Prompt.Messages(), new ChatOptions { MaxOutputTokens = 100 }, Ct));
            await client.GetResponseAsync(Prompt.Messages(), small, Ct);
        }

        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task GenerateAsync_EmbeddingBudgetExceeded_Throws()
    {
        var budget = new Budget { Id = "tiny", Limit = 0.0000001m, Period = BudgetPeriod.Daily };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new FakeEmbeddingGenerator();
        using var generator = inner.WithTollgate(tollgate.Engine);

        await Assert.ThrowsAsync<TollgateBudgetExceededException>(
            () => generator.GenerateAsync(["a long enough text to cost more than a tenth of a micro-dollar at two cents per million"], cancellationToken: Ct));

        Assert.Empty(inner.SeenOptions);
    }
}
