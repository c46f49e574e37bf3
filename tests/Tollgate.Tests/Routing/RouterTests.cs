using Microsoft.Extensions.Time.Testing;
using Tollgate.Pricing;
using Tollgate.Routing;

namespace Tollgate.Tests.Routing;

public sealed class RouterTests
{
    private static readonly ProviderDescriptor[] Providers =
    [
        new() { Name = "openai", PricingProviderId = "openai", Backup = "azure" },
        new() { Name = "azure", PricingProviderId = "azure" },
        new() { Name = "anthropic", PricingProviderId = "anthropic" },
        new() { Name = "google", PricingProviderId = "google" },
        new() { Name = "deepseek", PricingProviderId = "deepseek" },
    ];

    private static readonly CapabilityCatalog Capabilities = CapabilityCatalog.Empty
        .With(new ModelCapabilities { Provider = "openai", Model = "gpt-4o", ContextWindow = 128_000, MaxOutputTokens = 16_384, Vision = true, Tools = true, JsonSchema = true, QualityTier = 4 })
        .With(new ModelCapabilities { Provider = "azure", Model = "gpt-4o", ContextWindow = 128_000, MaxOutputTokens = 16_384, Vision = true, Tools = true, JsonSchema = true, QualityTier = 4 })
        .With(new ModelCapabilities { Provider = "anthropic", Model = "claude-sonnet-4-5", ContextWindow = 200_000, MaxOutputTokens = 64_000, Vision = true, Tools = true, QualityTier = 5 })
        .With(new ModelCapabilities { Provider = "google", Model = "gemini-2.5-flash", ContextWindow = 1_048_576, MaxOutputTokens = 65_536, Vision = true, Tools = true, JsonSchema = true, QualityTier = 4 })
        .With(new ModelCapabilities { Provider = "deepseek", Model = "deepseek-chat", ContextWindow = 64_000, MaxOutputTokens = 8_192, Vision = false, Tools = true, QualityTier = 4 })
        .With(new ModelCapabilities { Provider = "openai", Model = "gpt-4o-mini", ContextWindow = 128_000, MaxOutputTokens = 16_384, Vision = true, Tools = true, JsonSchema = true, QualityTier = 3 });

    // Real list prices per million tokens: gpt-4o 2.5/10, sonnet 3/15, flash 0.3/2.5, deepseek 0.27/1.1, mini 0.15/0.6.
    private static readonly FakeCostCalculator Costs = new FakeCostCalculator()
        .Price("gpt-4o", 2.5m, 10m)
        .Price("claude-sonnet-4-5", 3m, 15m)
        .Price("gemini-2.5-flash", 0.3m, 2.5m)
        .Price("deepseek-chat", 0.27m, 1.1m)
        .Price("gpt-4o-mini", 0.15m, 0.6m);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero));

    private Router CreateRouter(HealthMonitor? health = null, RoutingOptions? options = null) =>
        new(Providers, Capabilities, Costs, health ?? new HealthMonitor(timeProvider: _time), options, _time);

    private static RouteRequest Request(decimal? budget = null) => new() { Model = "gpt-4o", InputTokens = 1_000, MaxOutputTokens = 500, BudgetLimit = budget };

    private static ProviderState Preferring(string provider) =>
        new() { Preferred = new Dictionary<GenerationType, string> { [GenerationType.Chat] = provider } };

    [Fact]
    public void Decide_NoMaxTokensAndNChoices_RanksEachCandidateByTheOneOutputRuleTimesN()
    {
        var decision = CreateRouter().Decide(new RouteRequest { Model = "gpt-4o", InputTokens = 1_000, MaxOutputTokens = 0, Choices = 3 }, ProviderState.Empty);

        // No max_tokens: each candidate's own maximum output (gpt-4o 16 384, deepseek-chat 8 192), × 3 completions.
        var candidates = decision.Alternatives.Append(decision.Chosen!).ToList();
        Assert.Equal((1_000 * 2.5m + 3 * 16_384 * 10m) / 1_000_000m, candidates.First(c => c.Provider == "openai" && c.Model == "gpt-4o").WorstCaseCost);
        Assert.Equal((1_000 * 0.27m + 3 * 8_192 * 1.1m) / 1_000_000m, candidates.First(c => c.Provider == "deepseek").WorstCaseCost);
    }

    [Fact]
    public void Decide_PreferredProviderWithinBudget_Wins()
    {
        var decision = CreateRouter().Decide(Request(budget: 0.02m), Preferring("anthropic"));

        Assert.Equal("anthropic", decision.Chosen!.Provider);
        Assert.Equal(0.0105m, decision.Chosen.WorstCaseCost);
        Assert.Contains("preferred provider 'anthropic'", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_BudgetForbidsPreferredProvider_CheapestFittingOptionWins()
    {
        var decision = CreateRouter().Decide(Request(budget: 0.0016m), Preferring("anthropic"));

        // Worst cases: sonnet 0.0105, gpt-4o 0.0075, flash 0.00155, deepseek 0.00082, mini excluded by tier.
        Assert.NotEqual("anthropic", decision.Chosen!.Provider);
        Assert.True(decision.Chosen.WorstCaseCost <= 0.0016m);
        var sonnet = decision.Alternatives.Single(a => a.Provider == "anthropic");
        Assert.Equal("worst-case cost $0.0105 over the per-request limit $0.0016", sonnet.Excluded);
        Assert.Contains("preferred provider 'anthropic' passed over: worst-case cost $0.0105", decision.Reason, StringComparison.Ordinal);
        Assert.Contains(decision.Alternatives, a => a.Model == "gpt-4o" && a.Excluded!.StartsWith("worst-case cost $0.0075", StringComparison.Ordinal));
        Assert.Equal("quality tier 3 below the required 4", decision.Alternatives.Single(a => a.Model == "gpt-4o-mini").Excluded);
    }

    [Fact]
    public void Decide_BudgetLeavesOneOption_ThatCheapestOneIsChosen()
    {
        var decision = CreateRouter().Decide(Request(budget: 0.001m), Preferring("openai"));

        Assert.Equal("deepseek/deepseek-chat", decision.Chosen!.ToString());
        Assert.Equal(0.00082m, decision.Chosen.WorstCaseCost);
        Assert.All(decision.Alternatives, a => Assert.NotNull(a.Excluded));
    }

    [Fact]
    public void Decide_CapabilitiesMissing_ExcludedWithReason()
    {
        var request = Request() with { InputTokens = 125_000, MaxOutputTokens = 10_000, NeedsVision = true, NeedsJsonSchema = true };

        var decision = CreateRouter().Decide(request, ProviderState.Empty);

        Assert.Equal("google/gemini-2.5-flash", decision.Chosen!.ToString());
        string Reason(string model) => decision.Alternatives.First(a => a.Model == model).Excluded!;
        Assert.Equal("context window 128000 < 125000 input + 10000 max output tokens", Reason("gpt-4o"));
        Assert.Equal("context window 64000 < 125000 input + 10000 max output tokens", Reason("deepseek-chat"));
        Assert.Equal("no JSON schema output support", Reason("claude-sonnet-4-5"));
    }

    [Fact]
    public void Decide_VisionAndMaxOutput_Checked()
    {
        var decision = CreateRouter().Decide(Request() with { MaxOutputTokens = 9_000, NeedsVision = true }, ProviderState.Empty);

        Assert.Equal("max output 8192 tokens < 9000 requested", decision.Alternatives.Single(a => a.Model == "deepseek-chat").Excluded);
        Assert.NotEqual("deepseek", decision.Chosen!.Provider);
        var vision = CreateRouter().Decide(Request() with { NeedsVision = true }, ProviderState.Empty);
        Assert.Equal("no image input (vision) support", vision.Alternatives.Single(a => a.Model == "deepseek-chat").Excluded);
        Assert.Equal("image input (vision)", vision.Alternatives.Single(a => a.Model == "deepseek-chat").MissingCapability);
        Assert.Null(vision.Chosen!.MissingCapability);
    }

    [Fact]
    public void Decide_DisabledProviderAndModel_Excluded()
    {
        var state = new ProviderState
        {
            Providers = new Dictionary<string, bool> { ["google"] = false },
            Models = new Dictionary<ProviderModelKey, bool> { [new ProviderModelKey("deepseek", "deepseek-chat")] = false },
        };

        var decision = CreateRouter().Decide(Request(), state);

        Assert.Equal("provider disabled", decision.Alternatives.Single(a => a.Provider == "google").Excluded);
        Assert.Equal("model disabled", decision.Alternatives.Single(a => a.Provider == "deepseek").Excluded);
        Assert.NotEqual("google", decision.Chosen!.Provider);
        Assert.NotEqual("deepseek", decision.Chosen.Provider);
    }

    [Fact]
    public void Decide_CircuitOpenThenHalfOpen_ExcludedThenBack()
    {
        var health = new HealthMonitor(new HealthOptions { ConsecutiveFailuresToOpen = 3, BreakDuration = TimeSpan.FromSeconds(30) }, _time);
        var router = CreateRouter(health, new RoutingOptions { AllowSubstitution = false });
        for (var i = 0; i < 3; i++)
        {
            health.Record("openai", "gpt-4o", success: false, TimeSpan.FromMilliseconds(900));
        }

        var open = router.Decide(Request(), ProviderState.Empty);
        _time.Advance(TimeSpan.FromSeconds(31));
        var halfOpen = router.Decide(Request(), ProviderState.Empty);

        Assert.Equal("azure/gpt-4o", open.Chosen!.ToString());
        Assert.Equal("circuit open until 2026-11-23T01:00:30Z", open.Alternatives.Single(a => a.Provider == "openai").Excluded);
        Assert.Contains(halfOpen.FallbackChain, c => c.Provider == "openai");
    }

    [Fact]
    public void Decide_NothingFits_NoChoiceAndSaysWhy()
    {
        var decision = CreateRouter().Decide(Request(budget: 0.0001m), ProviderState.Empty);

        Assert.False(decision.HasChoice);
        Assert.StartsWith("nothing can serve this request (", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("over the per-request limit $0.0001", decision.Reason, StringComparison.Ordinal);
        Assert.All(decision.Alternatives, a => Assert.NotNull(a.Excluded));
    }

    [Fact]
    public void Decide_UnknownModel_SaysHowToAddIt()
    {
        var decision = CreateRouter().Decide(new RouteRequest { Model = "gpt-9-turbo", InputTokens = 10, MaxOutputTokens = 10 }, ProviderState.Empty);

        Assert.False(decision.HasChoice);
        Assert.Contains("model 'gpt-9-turbo' is not offered by any configured provider", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_EmergencyMode_CheapestEligibleIgnoringPreference()
    {
        var decision = CreateRouter().Decide(Request() with { Emergency = true }, Preferring("anthropic"));

        Assert.Equal("deepseek/deepseek-chat", decision.Chosen!.ToString());
        Assert.Equal("emergency mode: cheapest eligible candidate", decision.Reason);
    }

    [Fact]
    public void Decide_Weights_CostOnlyPicksCheapestQualityOnlyPicksBest()
    {
        var cheap = CreateRouter(options: new RoutingOptions { CostWeight = 1, LatencyWeight = 0, QualityWeight = 0 }).Decide(Request(), ProviderState.Empty);
        var best = CreateRouter(options: new RoutingOptions { CostWeight = 0, LatencyWeight = 0, QualityWeight = 1 }).Decide(Request(), ProviderState.Empty);

        Assert.Equal("deepseek-chat", cheap.Chosen!.Model);
        Assert.Equal(1.0, cheap.Chosen.Score);
        Assert.Equal("claude-sonnet-4-5", best.Chosen!.Model);
        var scores = cheap.Alternatives.Where(a => a.IsEligible).Select(a => a.Score!.Value).ToList();
        Assert.Equal(scores.OrderDescending(), scores);
    }

    [Fact]
    public void Decide_LatencyMeasured_FasterProviderScoresHigher()
    {
        var health = new HealthMonitor(timeProvider: _time);
        for (var i = 0; i < 20; i++)
        {
            health.Record("openai", "gpt-4o", true, TimeSpan.FromMilliseconds(2_000));
            health.Record("azure", "gpt-4o", true, TimeSpan.FromMilliseconds(400));
        }

        var decision = CreateRouter(health, new RoutingOptions { AllowSubstitution = false }).Decide(Request(), ProviderState.Empty);

        Assert.Equal("azure", decision.Chosen!.Provider);
        Assert.Equal(1.0, decision.Chosen.Confidence);
        Assert.True(decision.Chosen.Score > decision.Alternatives.Single(a => a.Provider == "openai").Score);
    }

    [Fact]
    public void Decide_BelowMinimumConfidence_KeepsRequestedModel()
    {
        var decision = CreateRouter(options: new RoutingOptions { MinimumConfidence = 0.9 }).Decide(Request(), ProviderState.Empty);

        Assert.Equal("gpt-4o", decision.Chosen!.Model);
        Assert.Contains("minimum confidence 0.9: kept the requested model", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(0.7, decision.Chosen.Confidence, 6);
    }

    [Fact]
    public void Decide_PinnedProviderModel_OnlyThatCandidate()
    {
        var decision = CreateRouter().Decide(new RouteRequest { Model = "azure/gpt-4o", InputTokens = 10, MaxOutputTokens = 10 }, Preferring("anthropic"));

        Assert.Equal("azure/gpt-4o", decision.Chosen!.ToString());
        Assert.Empty(decision.Alternatives);
    }

    [Fact]
    public void Plan_BackupProviderComesRightAfterChosen()
    {
        static RouteCandidate C(string provider, string model, double score, string? excluded = null) =>
            new() { Provider = provider, Model = model, Score = excluded is null ? score : null, Excluded = excluded };
        var decision = new RouteDecision
        {
            Chosen = C("openai", "gpt-4o", 0.9),
            Reason = "test",
            Alternatives = [C("google", "gemini-2.5-flash", 0.8), C("deepseek", "deepseek-chat", 0.7), C("azure", "gpt-4o", 0.6), C("anthropic", "claude-sonnet-4-5", 0, "provider disabled")],
        };

        var plan = new FallbackExecutor(new FallbackOptions { MaxCandidates = 3 }).Plan(decision, Providers);

        Assert.Equal(["openai/gpt-4o", "azure/gpt-4o", "google/gemini-2.5-flash"], plan.Select(c => c.ToString()));
    }

    [Fact]
    public void WorstCaseCost_RealCatalog_InputPlusMaxOutputAtHighestRate()
    {
        var engine = new CostEngine(PriceCatalog.BuiltIn);
        var at = new DateTimeOffset(2026, 8, 21, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(0.0075m, Router.WorstCaseCost(engine, "openai", "gpt-4o", 1_000, 500, at));
        Assert.Equal(0.0105m, Router.WorstCaseCost(engine, "anthropic", "claude-sonnet-4-5", 1_000, 500, at));
        Assert.Null(Router.WorstCaseCost(engine, "openai", "no-such-model-xyz", 1_000, 500, at));
    }

    [Fact]
    public void WorstCaseCost_ReasoningDearerThanOutput_UsesReasoningRate()
    {
        var costs = new FakeCostCalculator().Price("thinker", 1m, 4m, reasoningPerMillion: 8m);

        Assert.Equal(0.001m + 0.004m, Router.WorstCaseCost(costs, "x", "thinker", 1_000, 500, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void CapabilityCatalog_BuiltInAndUserFile_MergeFieldByField()
    {
        var path = Path.Combine(Path.GetTempPath(), $"caps-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"models":[{"provider":"openai","model":"gpt-4o","quality_tier":5},{"provider":"local","model":"qwen3-32b","context_window":32768,"tools":true,"quality_tier":3}]}""");
        try
        {
            var catalog = CapabilityCatalog.BuiltIn().WithFile(path);

            var gpt4o = catalog.Find("openai", "gpt-4o")!;
            Assert.Equal(5, gpt4o.QualityTier);
            Assert.Equal(128_000, gpt4o.ContextWindow);
            Assert.True(gpt4o.Vision);
            Assert.Equal(32_768, catalog.Find("local", "qwen3-32b")!.ContextWindow);
            Assert.Contains(catalog.Models, m => m.Provider == "anthropic");
            Assert.Contains(catalog.Models, m => m.Provider == "google");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CapabilityCatalog_BadFile_SaysWhatToFix()
    {
        var path = Path.Combine(Path.GetTempPath(), $"caps-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"models":[{"provider":"openai","model":"gpt-4o","quality_tier":9}]}""");
        try
        {
            var error = Assert.Throws<ArgumentException>(() => CapabilityCatalog.BuiltIn().WithFile(path));
            Assert.Contains("models[0]: quality_tier must be 1 to 5", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CapabilityCatalog_ContextWindowFromPriceCatalog_FillsOnlyUnknown()
    {
        var catalog = CapabilityCatalog.Empty
            .With(new ModelCapabilities { Provider = "openai", Model = "gpt-4.1" })
            .With(new ModelCapabilities { Provider = "openai", Model = "gpt-4o", ContextWindow = 1 })
            .WithContextWindows((provider, model) => PriceCatalog.BuiltIn.Resolve(provider, model).ContextWindow);

        Assert.Equal(1_000_000, catalog.Find("openai", "gpt-4.1")!.ContextWindow);
        Assert.Equal(1, catalog.Find("openai", "gpt-4o")!.ContextWindow);
    }
}
