using System.ClientModel;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using OpenAI.Embeddings;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Costs;

/// <summary>
/// Costs in headers, stream chunks and the ledger equal usage × catalog price. Expected figures are computed here by
/// hand from the genai-prices catalog rates (per million tokens), never through Tollgate's pricing code.
/// </summary>
public sealed class CostTests
{
    // gpt-4o-mini: input 0.15, cached input 0.075, output 0.60 USD per million tokens.
    // Fake usage: 1200 prompt tokens of which 200 cached, 300 completion tokens.
    private const decimal Gpt4oMiniCost = ((1000 * 0.15m) + (200 * 0.075m) + (300 * 0.60m)) / 1_000_000m; // 0.000345

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<TestGateway> StartAsync()
    {
        var gateway = await TestGateway.StartAsync();
        gateway.Upstream.PromptTokens = 1200;
        gateway.Upstream.CachedTokens = 200;
        gateway.Upstream.CompletionTokens = 300;
        return gateway;
    }

    [Fact]
    public async Task ChatCompletion_Json_CostHeaderAndLedgerEqualUsageTimesCatalogPrice()
    {
        await using var gateway = await StartAsync();
        var (keyId, key) = await gateway.CreateKeyAsync("acme", "chatbot", "alice");
        var chat = gateway.OpenAi(key).GetChatClient("gpt-4o-mini");

        ClientResult<ChatCompletion> result = await chat.CompleteChatAsync([new UserChatMessage("What does this cost?")], new ChatCompletionOptions { MaxOutputTokenCount = 500 }, Ct);

        var raw = result.GetRawResponse();
        Assert.True(raw.Headers.TryGetValue("x-tollgate-cost", out var costHeader));
        Assert.Equal(Gpt4oMiniCost, decimal.Parse(costHeader!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(raw.Headers.TryGetValue("x-tollgate-request-id", out var requestId));
        var record = await gateway.LedgerRecordAsync(requestId!);
        Assert.NotNull(record);
        Assert.Equal(Gpt4oMiniCost, record.TotalCost);
        Assert.Equal(1200, record.Usage.InputTokens);
        Assert.Equal(200, record.Usage.CacheReadTokens);
        Assert.Equal(300, record.Usage.OutputTokens);
        Assert.Equal(("openai", "gpt-4o-mini", "chat"), (record.Provider, record.Model, record.ApiFlavor));
        Assert.Equal(("acme", "chatbot", "alice", keyId), (record.Tenant, record.Project, record.User, record.KeyId));
        Assert.False(record.Estimated);
        Assert.False(record.Unpriced);
        Assert.True(record.Success);
    }

    [Fact]
    public async Task ChatCompletion_Stream_CostArrivesInUsageChunkAndLedger()
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Json(new { model = "gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = "Stream please" } } }), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1].Trim());
        using var usageChunk = JsonDocument.Parse(events[^2]["data: ".Length..]);
        var tollgate = usageChunk.RootElement.GetProperty("tollgate");
        Assert.Equal(Gpt4oMiniCost, decimal.Parse(tollgate.GetProperty("cost").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(tollgate.GetProperty("estimated").GetBoolean());
        Assert.Equal(1200, usageChunk.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        var requestId = response.Headers.GetValues("x-tollgate-request-id").Single();
        Assert.Equal(requestId, tollgate.GetProperty("request_id").GetString());
        var record = await gateway.LedgerRecordAsync(requestId);
        Assert.Equal(Gpt4oMiniCost, record!.TotalCost);
        Assert.False(record.Estimated);
    }

    [Fact]
    public async Task ChatCompletion_StreamThroughSdk_SeesUsageAndContent()
    {
        await using var gateway = await StartAsync();
        var (keyId, key) = await gateway.CreateKeyAsync("acme");
        var chat = gateway.OpenAi(key).GetChatClient("gpt-4o-mini");

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Say hello")], cancellationToken: Ct))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            usage ??= update.Usage;
        }

        Assert.Equal("Hello from the fake upstream.", text.ToString());
        Assert.Equal(300, usage!.OutputTokenCount);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal(Gpt4oMiniCost, record.TotalCost);
        Assert.Equal(keyId, record.KeyId);
    }

    [Fact]
    public async Task Embeddings_ThroughSdk_PricedPerInputToken()
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        var embeddings = gateway.OpenAi(key).GetEmbeddingClient("text-embedding-3-small");

        ClientResult<OpenAIEmbedding> result = await embeddings.GenerateEmbeddingAsync("hello world", cancellationToken: Ct);

        Assert.Equal(3, result.Value.ToFloats().Length);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-tollgate-cost", out var cost));
        Assert.Equal(1200 * 0.02m / 1_000_000m, decimal.Parse(cost!, System.Globalization.CultureInfo.InvariantCulture));
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal("embeddings", record.ApiFlavor);
        Assert.Equal(1200 * 0.02m / 1_000_000m, record.TotalCost);
    }

    // claude-3-5-haiku: input 0.80, cache read 0.08, output 4.00 USD per million tokens. Anthropic reports
    // input_tokens without the 200 cached ones (1000), cache_read_input_tokens 200, output 300.
    private const decimal HaikuCost = ((1000 * 0.80m) + (200 * 0.08m) + (300 * 4.00m)) / 1_000_000m; // 0.002016

    [Fact]
    public async Task Messages_AnthropicNativeJson_PassedThroughAndPriced()
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = new HttpClient { BaseAddress = gateway.Host.Address };
        client.DefaultRequestHeaders.Add("x-api-key", key);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");

        using var response = await client.PostAsync("/v1/messages", Json(new { model = "claude-3-5-haiku-20241022", max_tokens = 400, messages = new[] { new { role = "user", content = "Hi" } } }), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Contains("\"type\":\"message\"", body);
        Assert.Equal(HaikuCost, decimal.Parse(response.Headers.GetValues("x-tollgate-cost").Single(), System.Globalization.CultureInfo.InvariantCulture));
        var forwarded = gateway.Upstream.Requests.Single();
        Assert.Equal("/v1/messages", forwarded.Path);
        Assert.Equal("sk-ant-upstream-secret", forwarded.Headers["x-api-key"]);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal(HaikuCost, record.TotalCost);
        Assert.Equal(("anthropic", "messages"), (record.Provider, record.ApiFlavor));
        Assert.Equal(1200, record.Usage.InputTokens);
    }

    [Fact]
    public async Task Messages_AnthropicNativeStream_CostInMessageDeltaAndLedger()
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/messages", Json(new { model = "claude-3-5-haiku-20241022", max_tokens = 400, stream = true, messages = new[] { new { role = "user", content = "Hi" } } }), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        var delta = body.Split("\n\n").Single(e => e.StartsWith("event: message_delta", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(delta[(delta.IndexOf("data: ", StringComparison.Ordinal) + 6)..]);
        Assert.Equal(HaikuCost, decimal.Parse(json.RootElement.GetProperty("tollgate").GetProperty("cost").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("event: message_stop", body);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal(HaikuCost, record.TotalCost);
    }

    [Fact]
    public async Task ChatCompletion_ToAnthropicThroughTranslation_JsonAndStreamPriced()
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        var chat = gateway.OpenAi(key).GetChatClient("claude-3-5-haiku-20241022");

        ClientResult<ChatCompletion> result = await chat.CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 400 }, Ct);
        var streamed = new StringBuilder();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 400 }, Ct))
        {
            streamed.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        Assert.Equal("Hello from the fake upstream.", result.Value.Content[0].Text);
        Assert.Equal("Hello from the fake upstream.", streamed.ToString());
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-tollgate-cost", out var cost));
        Assert.Equal(HaikuCost, decimal.Parse(cost!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(gateway.Upstream.Requests, r => Assert.Equal("/v1/messages", r.Path));
        var records = await gateway.LedgerRecordsAsync();
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(HaikuCost, r.TotalCost));
        Assert.All(records, r => Assert.Equal("anthropic", r.Provider));
    }

    // gemini-2.0-flash: input 0.10, output 0.40 USD per million tokens; 1200 prompt, 300 candidates, no cache.
    private const decimal GeminiCost = ((1200 * 0.10m) + (300 * 0.40m)) / 1_000_000m; // 0.00024

    [Fact]
    public async Task ChatCompletion_ToGeminiThroughTranslation_JsonAndStreamPriced()
    {
        await using var gateway = await StartAsync();
        gateway.Upstream.CachedTokens = 0;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        var chat = gateway.OpenAi(key).GetChatClient("gemini-2.0-flash");

        ClientResult<ChatCompletion> result = await chat.CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 400 }, Ct);
        var streamed = new StringBuilder();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 400 }, Ct))
        {
            streamed.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        Assert.Equal("Hello from the fake upstream.", result.Value.Content[0].Text);
        Assert.Equal("Hello from the fake upstream.", streamed.ToString());
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-tollgate-cost", out var cost));
        Assert.Equal(GeminiCost, decimal.Parse(cost!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(gateway.Upstream.Requests, r => r.Path.Contains("gemini-2.0-flash:streamGenerateContent", StringComparison.Ordinal));
        var records = await gateway.LedgerRecordsAsync();
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(GeminiCost, r.TotalCost));
    }

    [Fact]
    public async Task AdminCostReport_GroupedByModel_SumsTheLedger()
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        var chat = gateway.OpenAi(key).GetChatClient("gpt-4o-mini");
        await chat.CompleteChatAsync([new UserChatMessage("one")], cancellationToken: Ct);
        await chat.CompleteChatAsync([new UserChatMessage("two")], cancellationToken: Ct);

        var report = await gateway.Admin.GetStringAsync("/admin/reports/cost?group_by=model", Ct);

        using var doc = JsonDocument.Parse(report);
        Assert.Equal(2 * Gpt4oMiniCost, decimal.Parse(doc.RootElement.GetProperty("total").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("USD", doc.RootElement.GetProperty("currency").GetString());
        var group = Assert.Single(doc.RootElement.GetProperty("groups").EnumerateArray());
        Assert.Equal("gpt-4o-mini", group.GetProperty("key").GetString());
        Assert.Equal(2, group.GetProperty("requests").GetInt64());
        Assert.Equal(2400, group.GetProperty("input_tokens").GetInt64());
        Assert.Equal(600, group.GetProperty("output_tokens").GetInt64());
    }

    internal static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
