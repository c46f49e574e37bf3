using Tollgate.Routing;

namespace Tollgate.Stores.Tests.Providers;

/// <summary>The behaviour every <see cref="IProviderStateStore"/> must have; one derived class per store.</summary>
public abstract class ProviderStateStoreConformanceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Two handles on one store location (a CLI and a gateway), or the same instance for in-memory.</summary>
    protected abstract Task<(IProviderStateStore First, IProviderStateStore Second)> CreateStoresAsync();

    [Fact]
    public async Task LoadAsync_Empty_EverythingEnabledNoPreference()
    {
        var (store, _) = await CreateStoresAsync();

        var state = await store.LoadAsync(Ct);

        Assert.True(state.IsProviderEnabled("openai"));
        Assert.True(state.IsModelEnabled("openai", "gpt-4o"));
        Assert.Null(state.PreferredFor(GenerationType.Chat));
    }

    [Fact]
    public async Task SetProviderEnabledAsync_Disable_SeenByAnotherHandleAndReversible()
    {
        var (cli, gateway) = await CreateStoresAsync();

        await cli.SetProviderEnabledAsync("Anthropic", false, Ct);
        var disabled = await gateway.LoadAsync(Ct);
        await cli.SetProviderEnabledAsync("anthropic", true, Ct);
        var enabled = await gateway.LoadAsync(Ct);

        Assert.False(disabled.IsProviderEnabled("anthropic"));
        Assert.False(disabled.IsModelEnabled("anthropic", "claude-haiku-4-5"));
        Assert.True(disabled.IsProviderEnabled("openai"));
        Assert.True(enabled.IsProviderEnabled("anthropic"));
    }

    [Fact]
    public async Task SetModelEnabledAsync_DisablesOnlyThatModel()
    {
        var (cli, gateway) = await CreateStoresAsync();

        await cli.SetModelEnabledAsync("openai", "GPT-4o", false, Ct);
        var state = await gateway.LoadAsync(Ct);

        Assert.False(state.IsModelEnabled("openai", "gpt-4o"));
        Assert.True(state.IsModelEnabled("openai", "gpt-4o-mini"));
        Assert.True(state.IsModelEnabled("azure", "gpt-4o"));
        Assert.True(state.IsProviderEnabled("openai"));
    }

    [Fact]
    public async Task SetPreferredAsync_PerGenerationType_ReplacesAndClears()
    {
        var (cli, gateway) = await CreateStoresAsync();

        await cli.SetPreferredAsync(GenerationType.Chat, "anthropic", Ct);
        await cli.SetPreferredAsync(GenerationType.Embeddings, "openai", Ct);
        await cli.SetPreferredAsync(GenerationType.Chat, "google", Ct);
        var state = await gateway.LoadAsync(Ct);
        await cli.SetPreferredAsync(GenerationType.Embeddings, null, Ct);
        var cleared = await gateway.LoadAsync(Ct);

        Assert.Equal("google", state.PreferredFor(GenerationType.Chat));
        Assert.Equal("openai", state.PreferredFor(GenerationType.Embeddings));
        Assert.Null(state.PreferredFor(GenerationType.Image));
        Assert.Null(cleared.PreferredFor(GenerationType.Embeddings));
        Assert.Equal("google", cleared.PreferredFor(GenerationType.Chat));
    }

    [Fact]
    public async Task RecordCallAsync_AddsUpAcrossModelsAndHandles()
    {
        var (first, second) = await CreateStoresAsync();

        await first.RecordCallAsync(new ProviderCallRecord("openai", "gpt-4o", true, TimeSpan.FromMilliseconds(120), 1_500_000, T0), Ct);
        await second.RecordCallAsync(new ProviderCallRecord("openai", "gpt-4o", false, TimeSpan.FromMilliseconds(2_400), 0, T0.AddMinutes(1)), Ct);
        await first.RecordCallAsync(new ProviderCallRecord("openai", "gpt-4o-mini", true, TimeSpan.FromMilliseconds(80), 250_000, T0.AddMinutes(2)), Ct);
        await first.RecordCallAsync(new ProviderCallRecord("anthropic", "claude-haiku-4-5", true, TimeSpan.FromMilliseconds(300), 9, T0), Ct);

        var provider = await second.GetStatsAsync("openai", cancellationToken: Ct);
        var model = await second.GetStatsAsync("openai", "gpt-4o", Ct);

        Assert.Equal(3, provider.Requests);
        Assert.Equal(2, provider.Successes);
        Assert.Equal(1, provider.Failures);
        Assert.Equal(2.0 / 3, provider.SuccessRate!.Value, 6);
        Assert.Equal(1_750_000, provider.CostNanos);
        Assert.Equal(2_600, provider.TotalLatencyMilliseconds);
        Assert.Equal(T0, provider.FirstAt);
        Assert.Equal(T0.AddMinutes(2), provider.LastAt);
        Assert.Equal(150, provider.LatencyP50Milliseconds);
        Assert.Equal(3_000, provider.LatencyP95Milliseconds);
        Assert.Equal(2, model.Requests);
        Assert.Equal(1_500_000, model.CostNanos);
    }

    [Fact]
    public async Task GetStatsAsync_Unknown_ZeroCountsNoRates()
    {
        var (store, _) = await CreateStoresAsync();

        var stats = await store.GetStatsAsync("groq", cancellationToken: Ct);

        Assert.Equal(0, stats.Requests);
        Assert.Null(stats.SuccessRate);
        Assert.Null(stats.LatencyP50Milliseconds);
        Assert.Null(stats.FirstAt);
    }

    [Fact]
    public async Task RecordCallAsync_Concurrent_LosesNoIncrement()
    {
        var (first, second) = await CreateStoresAsync();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            (i % 2 == 0 ? first : second).RecordCallAsync(new ProviderCallRecord("mistral", "mistral-small-latest", i % 4 != 0, TimeSpan.FromMilliseconds(i), 10, T0.AddSeconds(i)), Ct).AsTask()));

        var stats = await first.GetStatsAsync("mistral", cancellationToken: Ct);
        Assert.Equal(40, stats.Requests);
        Assert.Equal(30, stats.Successes);
        Assert.Equal(400, stats.CostNanos);
        Assert.Equal(40, stats.LatencyBuckets.Sum());
    }
}
