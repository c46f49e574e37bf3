using Microsoft.Extensions.AI;
using Tollgate.Budgets;
using Tollgate.Extensions.AI.Internal;
using Tollgate.Extensions.AI.Tests.Infrastructure;
using Tollgate.Pricing;
using Tollgate.Tokens;

namespace Tollgate.Extensions.AI.Tests;

/// <summary>
/// The per-call shortcuts (text-only prompts counted straight from the messages through the token cache; holds from
/// per-price rates) must give exactly what the full computations give.
/// </summary>
public sealed class HotPathParityTests
{
    public static TheoryData<string> Models => ["gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo-0301", "gpt-4", "claude-3-5-sonnet-20241022", "gemini-1.5-pro", "model-nobody-knows"];

    [Theory]
    [MemberData(nameof(Models))]
    public void CountChat_TextOnlyConversation_MatchesFullPromptCount(string model)
    {
        var rules = ChatTokenCounter.RulesFor(model);
        var conversations = new (List<ChatMessage> Messages, ChatOptions? Options)[]
        {
            ([new(ChatRole.User, "hi")], null),
            ([new(ChatRole.System, "You are a terse assistant who answers in one line."), new(ChatRole.User, "How do I reset my password?")], null),
            ([new(ChatRole.User, "Summarise the following text for me, please: " + string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 40)))], new ChatOptions { Instructions = "Be brief and precise in every answer." }),
            ([new(ChatRole.User, "My name is on this message, count it too.") { AuthorName = "alice" }, new(ChatRole.Assistant, "Noted, Alice: your name is counted."), new(ChatRole.User, "")], new ChatOptions { MaxOutputTokens = 10 }),
            ([new(new ChatRole("developer"), "Developer instructions, a role the counter knows by name."), new(new ChatRole("critic"), "A custom role nobody registered ahead.")], null),
        };

        foreach (var (messages, options) in conversations)
        {
            var expected = new ChatTokenCounter().Count(PromptCounter.ToPrompt(messages, options), model).Total;
            // Twice: the second count comes from the shared cache.
            Assert.Equal(expected, PromptCounter.CountChat(PromptCounter.SharedCounter, rules, messages, options).Total);
            Assert.Equal(expected, PromptCounter.CountChat(PromptCounter.SharedCounter, rules, messages, options).Total);
        }
    }

    [Fact]
    public void CountChat_WithToolsOrImages_TakesTheFullCountAndMatchesIt()
    {
        var rules = ChatTokenCounter.RulesFor("gpt-4o");
        List<ChatMessage> messages =
        [
            new(ChatRole.User, [new TextContent("What is in this picture?"), new UriContent("https://example.com/cat.png", "image/png")]),
        ];
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create((string city) => city, "weather", "Gets the weather for a city.")] };

        var full = new ChatTokenCounter().Count(PromptCounter.ToPrompt(messages, options), "gpt-4o");
        var counted = PromptCounter.CountChat(PromptCounter.SharedCounter, rules, messages, options);

        Assert.Equal(full.Total, counted.Total);
        Assert.Equal(full.ToolTokens, counted.ToolTokens);
        Assert.True(counted.ToolTokens > 0);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    [InlineData("google")]
    public async Task PriceShape_EveryCatalogModel_MatchesTheCatalogComputation(string providerId)
    {
        await using var tollgate = new TestTollgate();
        var meter = new CallMeter(tollgate.Engine, new TollgateChatClientOptions { Provider = providerId }, null, null);
        var provider = PriceCatalog.BuiltIn.GetProvider(providerId);
        Assert.NotNull(provider);
        var compared = 0;
        foreach (var model in provider.Models)
        {
            var lookup = PriceCatalog.BuiltIn.Resolve(providerId, model.Id);
            foreach (var (prompt, tools) in new (long, long)[] { (0, 0), (1, 0), (1234, 0), (1234, 77), (250_000, 0) })
            {
                var expected = HoldRates.ShapeByComputing(lookup, providerId, model.Id, prompt, tools, TestTollgate.Start);
                if (expected is null)
                {
                    continue;
                }

                var actual = meter.PriceShape(providerId, meter.FactsFor(providerId, model.Id), prompt, tools, TestTollgate.Start);
                Assert.Equal(expected.InputCost, actual.InputCost);
                Assert.Equal(expected.OutputCostPerToken, actual.OutputCostPerToken);
                Assert.Equal(expected.ToolsInputCost, actual.ToolsInputCost);
                compared++;
            }
        }

        Assert.True(compared > 20, $"only {compared} shapes compared for {providerId}");
    }

    [Fact]
    public async Task GetResponseAsync_UnpricedModelUnderHardBudget_RefusedWithoutCallingInnerOrHolding()
    {
        var budget = new Budget { Id = "monthly", Limit = 10m, Period = BudgetPeriod.Monthly };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new Fakes.FakeChatClient("openai", "gpt-nonexistent-9");
        using var client = inner.WithTollgate(tollgate.Engine);

        var refused = await Assert.ThrowsAsync<TollgateBudgetExceededException>(() => client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct));

        Assert.Equal(0, inner.Calls);
        Assert.Equal(BudgetStrategy.RefusedUnpriced, refused.Decision.Strategy);
        Assert.Contains("gpt-nonexistent-9", refused.Message, StringComparison.Ordinal);
        Assert.Contains("monthly", refused.Message, StringComparison.Ordinal);
        Assert.Contains("FallbackPrices", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await tollgate.RecordsAsync());
        var status = Assert.Single(await tollgate.Gate.GetStatusAsync(Ct));
        Assert.Equal(0m, status.Held);
    }

    [Fact]
    public async Task GetResponseAsync_UnpricedModelUnderWarnBudgetOnly_GoesThroughUnpriced()
    {
        var budget = new Budget { Id = "watch", Limit = 10m, Period = BudgetPeriod.Monthly, Enforcement = BudgetEnforcement.Warn };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new Fakes.FakeChatClient("openai", "gpt-nonexistent-9");
        using var client = inner.WithTollgate(tollgate.Engine);

        await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);

        Assert.Equal(1, inner.Calls);
        Assert.True((await tollgate.SingleRecordAsync()).Unpriced);
    }

    [Fact]
    public async Task GetResponseAsync_UnpricedModelPolicyAllow_GoesThroughUnderHardBudget()
    {
        var budget = new Budget { Id = "monthly", Limit = 10m, Period = BudgetPeriod.Monthly };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new Fakes.FakeChatClient("openai", "gpt-nonexistent-9");
        using var client = inner.WithTollgate(tollgate.Engine, o => o.UnpricedModels = UnpricedModelPolicy.Allow);

        await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);

        Assert.Equal(1, inner.Calls);
        var record = await tollgate.SingleRecordAsync();
        Assert.True(record.Unpriced);
        Assert.Equal(0m, record.TotalCost);
    }

    [Fact]
    public async Task GenerateAsync_UnpricedEmbeddingModelUnderHardBudget_Refused()
    {
        var budget = new Budget { Id = "monthly", Limit = 10m, Period = BudgetPeriod.Monthly };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new Fakes.FakeEmbeddingGenerator("openai", "embedding-nobody-prices");
        using var generator = inner.WithTollgate(tollgate.Engine);

        await Assert.ThrowsAsync<TollgateBudgetExceededException>(() => generator.GenerateAsync(["some text to embed"], cancellationToken: Ct));

        Assert.Empty(await tollgate.RecordsAsync());
    }
}
