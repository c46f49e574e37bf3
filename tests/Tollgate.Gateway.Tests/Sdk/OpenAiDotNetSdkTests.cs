using System.ClientModel;
using System.Diagnostics;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Sdk;

/// <summary>
/// The official OpenAI .NET SDK at its default settings against a real gateway. Its retry policy (System.ClientModel)
/// does not read <c>x-should-retry</c>: it retries a 429 three times after short backoffs, and sleeps on a
/// <c>Retry-After</c>. A budget refusal carries none, so the SDK's four tries end in well under a second.
/// </summary>
public sealed class OpenAiDotNetSdkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The client a newcomer writes: endpoint and key, every other setting left at its default.</summary>
    private static OpenAIClient DefaultClient(TestGateway gateway, string key) =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(gateway.Host.Address, "v1") });

    private static async Task<(TestGateway Gateway, string Key)> ExhaustedAsync()
    {
        var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { id = "acme-daily", name = "acme daily", scope = new { tenant = "acme" }, limit = "0.000000001", currency = "USD", period = "daily", enforcement = "hard" });
        return (gateway, key);
    }

    [Fact]
    public async Task CompleteChat_DefaultSettings_ReturnsAnswerAndUsage()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        ChatCompletion completion = await DefaultClient(gateway, key).GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hello")], cancellationToken: Ct);

        Assert.Equal("Hello from the fake upstream.", completion.Content[0].Text);
        Assert.Equal(1200, completion.Usage.InputTokenCount);
        Assert.Single(await gateway.LedgerRecordsAsync());
    }

    [Fact]
    public async Task CompleteChatStreaming_DefaultSettings_StreamsTextAndUsage()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in DefaultClient(gateway, key).GetChatClient("gpt-4o-mini").CompleteChatStreamingAsync([new UserChatMessage("hello")], cancellationToken: Ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
        }

        Assert.Equal("Hello from the fake upstream.", text.ToString());
        Assert.Equal(300, usage?.OutputTokenCount);
    }

    [Fact]
    public async Task GenerateEmbeddings_DefaultSettings_OneVectorPerInput()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        var embeddings = await DefaultClient(gateway, key).GetEmbeddingClient("text-embedding-3-small").GenerateEmbeddingsAsync(["one", "two"], cancellationToken: Ct);

        Assert.Equal(2, embeddings.Value.Count);
        Assert.Equal(3, embeddings.Value[1].ToFloats().Length);
    }

    [Fact]
    public async Task CompleteChat_BudgetExhausted_FailsFastAs429WithBudgetDetails()
    {
        var (gateway, key) = await ExhaustedAsync();
        await using var _ = gateway;
        var chat = DefaultClient(gateway, key).GetChatClient("gpt-4o-mini");
        await WarmUpAsync(gateway, key);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hello")], new ChatCompletionOptions { MaxOutputTokenCount = 300 }, Ct));
        clock.Stop();

        await AssertBudgetRefusalAsync(gateway, error, clock.Elapsed);
        Assert.Empty(gateway.Upstream.Requests);
    }

    [Fact]
    public async Task CompleteChatStreaming_BudgetExhausted_FailsFastAs429WithBudgetDetails()
    {
        var (gateway, key) = await ExhaustedAsync();
        await using var _ = gateway;
        var chat = DefaultClient(gateway, key).GetChatClient("gpt-4o-mini");
        await WarmUpAsync(gateway, key);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hello")], new ChatCompletionOptions { MaxOutputTokenCount = 300 }, Ct))
            {
                Assert.Fail("no update may arrive for a refused stream");
            }
        });
        clock.Stop();

        await AssertBudgetRefusalAsync(gateway, error, clock.Elapsed);
    }

    [Fact]
    public async Task GenerateEmbeddings_BudgetExhausted_FailsFastAs429WithBudgetDetails()
    {
        var gateway = await TestGateway.StartAsync();
        await using var _ = gateway;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { id = "acme-daily", name = "acme daily", scope = new { tenant = "acme" }, limit = "0.000000001", currency = "USD", period = "daily", enforcement = "hard" });
        await WarmUpAsync(gateway, key);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ClientResultException>(() => DefaultClient(gateway, key).GetEmbeddingClient("text-embedding-3-small").GenerateEmbeddingsAsync(["one", "two"], cancellationToken: Ct));
        clock.Stop();

        await AssertBudgetRefusalAsync(gateway, error, clock.Elapsed);
    }

    [Fact]
    public async Task CompleteChat_UnknownModel_Fails404WithoutRetrying()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => DefaultClient(gateway, key).GetChatClient("no-such-model").CompleteChatAsync([new UserChatMessage("hello")], cancellationToken: Ct));

        Assert.Equal(404, error.Status);
        Assert.Contains("model_not_found", error.GetRawResponse()!.Content.ToString());
    }

    /// <summary>One call through the SDK's pipeline first, so the measured refusal is not charged for JIT compilation.</summary>
    private static async Task WarmUpAsync(TestGateway gateway, string key) =>
        await DefaultClient(gateway, key).GetOpenAIModelClient().GetModelsAsync(Ct);

    /// <summary>The gateway's count of budget refusals: how many times the SDK asked.</summary>
    internal static async Task<long> BudgetRefusalsAsync(TestGateway gateway)
    {
        var metrics = await gateway.Admin.GetStringAsync("/metrics", Ct);
        var match = System.Text.RegularExpressions.Regex.Match(metrics, "tollgate_refusals_total\\{reason=\"budget_exceeded\"\\} (\\d+)");
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private static async Task AssertBudgetRefusalAsync(TestGateway gateway, ClientResultException error, TimeSpan elapsed)
    {
        Assert.InRange(await BudgetRefusalsAsync(gateway), 1, 4);
        Assert.Equal(429, error.Status);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"the refusal took {elapsed.TotalMilliseconds:0} ms to surface");
        var response = error.GetRawResponse()!;
        Assert.Equal("false", response.Headers.TryGetValue("x-should-retry", out var retry) ? retry : null);
        Assert.False(response.Headers.TryGetValue("Retry-After", out var _));
        using var body = JsonDocument.Parse(response.Content.ToString());
        var detail = body.RootElement.GetProperty("error");
        Assert.Equal("budget_exceeded", detail.GetProperty("code").GetString());
        Assert.Equal("acme-daily", detail.GetProperty("budget").GetProperty("id").GetString());
        Assert.Equal("USD", detail.GetProperty("budget").GetProperty("currency").GetString());
    }
}
