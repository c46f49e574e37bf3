using Microsoft.Extensions.Time.Testing;
using Tollgate.Costing;
using Tollgate.Metering;
using Tollgate.Tokens;

namespace Tollgate.Tests.Tokens;

public sealed class WorstCaseEstimatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Estimate_ReasoningRateHigher_PricesAllOutputAsReasoning()
    {
        var estimator = new WorstCaseEstimator(new FakeCalculator { ReasoningRate = 15m }, new FakeLimits(null), new FakeTimeProvider(Now));

        var estimate = estimator.Estimate("openai", "m", TokenCount.Exact(1000), requestedMaxOutput: 2000);

        // 1000 x 2.50/M + 2000 x 15/M = 0.0025 + 0.03
        Assert.Equal(0.0325m, estimate.Cost);
        Assert.True(estimate.PricedAsReasoning);
        Assert.Equal(2000, estimate.MaxOutputTokens);
        Assert.Equal("request", estimate.MaxOutputSource);
        Assert.Equal(32_500_000, estimate.CostNanos);
    }

    [Fact]
    public void Estimate_NoReasoningRate_OutputRate()
    {
        var estimator = new WorstCaseEstimator(new FakeCalculator(), new FakeLimits(null));

        var estimate = estimator.Estimate("openai", "m", TokenCount.Exact(1000), 2000, at: Now);

        // 0.0025 + 2000 x 10/M
        Assert.Equal(0.0225m, estimate.Cost);
        Assert.False(estimate.PricedAsReasoning);
    }

    [Fact]
    public void Estimate_LargeInput_PricedAtUpperTier()
    {
        var estimator = new WorstCaseEstimator(new FakeCalculator(), new FakeLimits(null));

        var estimate = estimator.Estimate("openai", "m", TokenCount.Exact(250_000), 1000, at: Now);

        // above 200k input: 250000 x 5/M + 1000 x 15/M = 1.25 + 0.015
        Assert.Equal(1.265m, estimate.Cost);
    }

    [Fact]
    public void Estimate_NoMaxTokens_UsesModelLimit()
    {
        var estimator = new WorstCaseEstimator(new FakeCalculator(), new FakeLimits(16_384));

        var estimate = estimator.Estimate("openai", "m", TokenCount.Exact(1000), null, at: Now);

        // 0.0025 + 16384 x 10/M = 0.0025 + 0.16384
        Assert.Equal(0.16634m, estimate.Cost);
        Assert.Equal("model-limits", estimate.MaxOutputSource);
    }

    [Fact]
    public void Estimate_SeveralChoices_MultipliesOutput()
    {
        var estimator = new WorstCaseEstimator(new FakeCalculator(), new FakeLimits(null));

        var estimate = estimator.Estimate("openai", "m", TokenCount.Exact(0), 1000, choices: 3, at: Now);

        Assert.Equal(3000, estimate.MaxOutputTokens);
        Assert.Equal(0.03m, estimate.Cost);
    }

    [Fact]
    public void Estimate_NoLimitKnown_HoldsTheOneRuleDefaultTimesChoices()
    {
        var estimator = new WorstCaseEstimator(new FakeCalculator(), new FakeLimits(null));

        var estimate = estimator.Estimate("openai", "m", TokenCount.Exact(0), null, choices: 2, at: Now);

        Assert.Equal("default", estimate.MaxOutputSource);
        Assert.Equal(2L * OutputBound.UnknownModelMaxOutputTokens, estimate.MaxOutputTokens);
        Assert.True(estimate.Priced);
    }

    [Fact]
    public void Estimate_UnknownModel_UnpricedFromCalculator()
    {
        var estimator = new WorstCaseEstimator(new FakeCalculator(), new FakeLimits(null));

        var estimate = estimator.Estimate("openai", "unknown-model", TokenCount.Exact(10), 10, at: Now);

        Assert.False(estimate.Priced);
        Assert.Equal("no price for unknown-model", estimate.UnpricedReason);
    }

    [Fact]
    public void Estimate_ChatPrompt_CountsThenPrices()
    {
        var calculator = new FakeCalculator();
        var estimator = new WorstCaseEstimator(calculator, new FakeLimits(null), new FakeTimeProvider(Now));
        var prompt = ChatPromptParser.Parse("""
            {"model":"gpt-4o","max_completion_tokens":500,"messages":[
              {"role":"system","content":"You are a helpful assistant."},
              {"role":"user","content":"Hello!","name":"alice"}]}
            """);

        var estimate = estimator.Estimate("openai", prompt, new ChatTokenCounter());

        // 21 input tokens (see ChatTokenCounterTests) x 2.50/M + 500 x 10/M = 0.0000525 + 0.005
        Assert.Equal(21, estimate.InputTokens);
        Assert.Equal(0.0050525m, estimate.Cost);
        Assert.Equal(Now, calculator.LastTimestamp);
        Assert.False(estimate.IsEstimate);
    }

    [Fact]
    public void BuiltInModelLimits_LongestFamilyWins()
    {
        var limits = BuiltInModelLimits.Instance;

        Assert.Equal(16_384, limits.GetMaxOutputTokens("openai", "gpt-4o-mini-2024-07-18"));
        Assert.Equal(4_096, limits.GetMaxOutputTokens("openai", "gpt-4o-2024-05-13"));
        Assert.Equal(32_768, limits.GetMaxOutputTokens("openai", "gpt-4.1-2025-04-14"));
        Assert.Equal(64_000, limits.GetMaxOutputTokens("anthropic", "claude-sonnet-4-5-20250929"));
        Assert.Null(limits.GetMaxOutputTokens("openai", "gpt-4omega"));
    }

    /// <summary>
    /// Prices per million: input 2.50 (5.00 above 200k input tokens), output 10 (15 above 200k), reasoning
    /// <see cref="ReasoningRate"/> when set (else the output rate). Model "unknown-model" is unpriced.
    /// </summary>
    private sealed class FakeCalculator : ICostCalculator
    {
        public decimal? ReasoningRate { get; init; }

        public DateTimeOffset LastTimestamp { get; private set; }

        public CostBreakdown Calculate(string provider, string model, Usage usage, DateTimeOffset timestamp)
        {
            LastTimestamp = timestamp;
            if (model == "unknown-model")
            {
                return CostBreakdown.Unpriced($"no price for {model}");
            }

            var upper = usage.InputTokens > 200_000;
            var inputRate = upper ? 5m : 2.5m;
            var outputRate = upper ? 15m : 10m;
            var reasoningRate = ReasoningRate ?? outputRate;
            var input = usage.InputTokens * inputRate / 1_000_000m;
            var output = ((usage.OutputTokens - usage.ReasoningTokens) * outputRate / 1_000_000m) + (usage.ReasoningTokens * reasoningRate / 1_000_000m);
            return new CostBreakdown { Priced = true, InputCost = input, OutputCost = output, TotalCost = input + output, ModelId = model };
        }
    }

    private sealed class FakeLimits(int? maxOutput) : IModelLimits
    {
        public int? GetMaxOutputTokens(string provider, string model) => maxOutput;
    }
}
