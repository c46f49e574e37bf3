using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Routing;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// Counter drift soak: three instances on PostgreSQL + Redis under sustained concurrent load, with a flaky provider
/// (every 4th request answered 503: retried, then fallen back to a backup provider) and clients that walk away in the
/// middle of streams. At the end the budget's counters equal the ledger's sum exactly (nano-units), nothing is left
/// held, and every attempt that reached a provider is in the ledger exactly once.
/// </summary>
public sealed class CounterDriftTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SustainedLoadWithRetriesFallbacksAndAbandonedStreams_CountersEqualLedgerExactly()
    {
        await using var backup = await FakeUpstream.StartAsync();
        backup.PromptTokens = 5;
        backup.CompletionTokens = 40;
        await using var cluster = await MultiInstanceCluster.StartAsync(limit: "5", configure: options =>
        {
            options.Providers[0].Backup = "backup";
            options.Providers.Add(new ProviderEndpointOptions
            {
                Name = "backup",
                BaseUrl = backup.OpenAiBase.ToString(),
                Format = "openai",
                ApiKey = "sk-backup",
                PricingProvider = "openai",
                Models = ["gpt-4o-mini", "gpt-4o"],
            });
            options.Fallback = new FallbackOptions { MaxAttemptsPerCandidate = 2, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) };
        });
        cluster.Upstream.FailEveryNth = 4;
        // Streams slow enough for a client to leave in the middle.
        cluster.Upstream.ChunkDelay = TimeSpan.FromMilliseconds(15);
        backup.ChunkDelay = TimeSpan.FromMilliseconds(15);

        var load = await cluster.LoadAsync(total: 3000, concurrency: 60, abandonStream: i => i % 16 == 1);
        TestContext.Current.TestOutputHelper?.WriteLine($"outcomes: {load}; primary saw {cluster.Upstream.RequestCount}, backup {backup.RequestCount}");

        var allowed = new HashSet<string>(StringComparer.Ordinal) { "200", "200 abandoned", "403 model_unpriced" };
        Assert.True(load.Outcomes.Keys.All(allowed.Contains), $"unexpected outcomes: {load}");
        Assert.True(load.Count("200 abandoned") > 50 && backup.RequestCount > 50, $"the soak should abandon streams and fall back: {load}, backup {backup.RequestCount}");

        // Abandoned streams settle after their clients left: wait until nothing is held any more.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        (decimal Spent, decimal Held, decimal Limit) budget;
        while ((budget = await cluster.BudgetAsync()).Held != 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"still held after 30 s: {budget.Held}");
            await Task.Delay(100, Ct);
        }

        var (records, ledgerNanos) = await cluster.LedgerAsync();
        Assert.Equal(MultiInstanceCluster.FromNanos(ledgerNanos), budget.Spent);
        Assert.Equal(cluster.Upstream.RequestCount + backup.RequestCount, records.Values.Sum());
        Assert.All(load.Answered, id => Assert.True(records.ContainsKey(id)));
    }
}
