using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.ExtensionsAI;

/// <summary>
/// One budget, two doors: an app calling a model in process through <see cref="TollgateChatClient"/> and a client
/// calling through the gateway spend from the same budget, because both use the same SQLite store (the gateway with
/// <c>budgetCounters: store</c>, so every hold is a transaction on the shared file).
/// </summary>
public sealed class SharedBudgetTests
{
    // gpt-4o-mini: input 0.15, cached input 0.075, output 0.60 USD per million tokens.
    // Every call (gateway upstream and in-process inner client alike) reports 1200 prompt tokens (200 cached) and
    // 300 completion tokens: (1000 × 0.15 + 200 × 0.075 + 300 × 0.60) / 1M = 0.000345.
    private const decimal CallCost = ((1000 * 0.15m) + (200 * 0.075m) + (300 * 0.60m)) / 1_000_000m;

    // Limit 0.001: each call's worst case (a few prompt tokens + 600 output × 0.60/M ≈ 0.00036) fits after one
    // call (0.000655 left) but not after two (0.00031 left).
    private const decimal Limit = 0.001m;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Budget_SpentThroughMiddlewareAndGateway_RefusesTheNextCallThroughEither()
    {
        string? store = null;
        await using var gateway = await TestGateway.StartAsync((options, _) =>
        {
            store = options.Store;
            // Two processes share counters on the embedded store: a transaction per hold (the default "auto" keeps
            // them in the gateway process with write-behind, which is for a gateway that is the only spender).
            options.BudgetCounters = "store";
        });
        gateway.Upstream.PromptTokens = 1200;
        gateway.Upstream.CachedTokens = 200;
        gateway.Upstream.CompletionTokens = 300;
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.001", currency = "USD", period = "daily", enforcement = "hard" });
        var (_, key) = await gateway.CreateKeyAsync("acme", "web", "alice");

        // The app: same store as the gateway (sqlite:<dir>/tollgate.db), its own engine, an inner IChatClient of its own.
        Assert.StartsWith("sqlite:", store, StringComparison.Ordinal);
        await using var engine = TollgateEngineFactory.Create(new TollgateOptions { Store = store! });
        var inner = new InProcessModel();
        using var app = inner.WithTollgate(engine);
        using var scope = engine.BeginScope(tenant: "acme", user: "batch-job");
        var options = new ChatOptions { MaxOutputTokens = 600 };

        // 1. In process.
        var first = await app.GetResponseAsync([new ChatMessage(ChatRole.User, "Summarise ticket 1.")], options, Ct);
        Assert.Equal(CallCost, first.AdditionalProperties?[TollgatePropertyKeys.Cost]);

        // 2. Through the gateway: allowed, 0.000655 was left.
        using var http = gateway.ClientWithKey(key);
        using (var ok = await PostChatAsync(http))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // 3. The budget now has 0.00031 left: the next call is refused in process (the hold is checked against the
        //    shared counter, which holds the gateway's spend too)…
        var refused = await Assert.ThrowsAsync<TollgateBudgetExceededException>(
            () => app.GetResponseAsync([new ChatMessage(ChatRole.User, "Summarise ticket 2.")], options, Ct));
        Assert.Equal(2 * CallCost, refused.Spent);
        Assert.Equal(Limit, refused.Limit);
        Assert.Equal(1, inner.Calls);

        // … and through the gateway.
        using (var again = await PostChatAsync(http))
        {
            var body = await again.Content.ReadAsStringAsync(Ct);
            Assert.Equal((HttpStatusCode)429, again.StatusCode);
            using var error = JsonDocument.Parse(body);
            Assert.Equal("budget_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        Assert.Equal(1, gateway.Upstream.RequestCount);

        // Both calls landed in the gateway's ledger with their attribution.
        await engine.FlushAsync(Ct);
        var records = await gateway.LedgerRecordsAsync();
        Assert.Equal(2, records.Count);
        Assert.Equal(2 * CallCost, records.Sum(r => r.TotalCost));
        Assert.Contains(records, r => r.User == "batch-job" && r.ApiFlavor == "chat" && r.Tenant == "acme");
        Assert.Contains(records, r => r.User == "alice" && r.Tenant == "acme");
    }

    private static Task<HttpResponseMessage> PostChatAsync(HttpClient http) =>
        http.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "gpt-4o-mini",
            max_tokens = 600,
            messages = new[] { new { role = "user", content = "Summarise ticket 1." } },
        }, Ct);

    /// <summary>The app's own model client (hand-written): answers with the same usage the fake upstream reports.</summary>
    private sealed class InProcessModel : IChatClient
    {
        private readonly ChatClientMetadata _metadata = new("openai", null, "gpt-4o-mini");

        public int Calls { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Ticket summarised."))
            {
                ModelId = "gpt-4o-mini",
                Usage = new UsageDetails { InputTokenCount = 1200, CachedInputTokenCount = 200, OutputTokenCount = 300 },
            });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata : null;

        public void Dispose()
        {
        }
    }
}
