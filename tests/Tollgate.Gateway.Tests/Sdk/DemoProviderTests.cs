using System.Text.Json;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Sdk;

/// <summary><c>--demo</c> as a faithful provider: the official Node SDKs work against it for every door, and every call is priced.</summary>
public sealed class DemoProviderTests
{
    private static async Task<(TestGateway Gateway, string Key)> StartDemoAsync()
    {
        var gateway = await TestGateway.StartAsync((o, _) =>
        {
            o.Providers = [];
            o.Demo = true;
        });
        var (_, key) = await gateway.CreateKeyAsync("acme");
        return (gateway, key);
    }

    [Theory]
    [InlineData("openai-chat", "gpt-4o-mini", "demo")]
    [InlineData("openai-chat", "claude-haiku-4-5", "demo-anthropic")]
    [InlineData("openai-stream", "gpt-4.1-mini", "demo")]
    [InlineData("openai-stream", "claude-sonnet-4-5", "demo-anthropic")]
    [InlineData("anthropic-messages", "claude-haiku-4-5", "demo-anthropic")]
    [InlineData("anthropic-stream", "claude-opus-4-5", "demo-anthropic")]
    public async Task Demo_ChatAndMessagesThroughOfficialSdks_AnswerWithUsageAndArePriced(string scenario, string model, string provider)
    {
        var (gateway, key) = await StartDemoAsync();
        await using var _ = gateway;

        var run = await NodeSdk.RunAsync(scenario, gateway.Host.Address, key, model);

        Assert.True(run.GetProperty("ok").GetBoolean(), run.GetRawText());
        var result = run.GetProperty("result");
        Assert.StartsWith("Tollgate prices every call", result.GetProperty("text").GetString());
        var usage = result.GetProperty("usage");
        Assert.True((usage.TryGetProperty("completion_tokens", out var c) ? c : usage.GetProperty("output_tokens")).GetInt32() > 0);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal(provider, record.Provider);
        Assert.True(record.TotalCost > 0, $"the demo call to {model} was not priced");
    }

    [Theory]
    [InlineData("text-embedding-3-small", 1536)]
    [InlineData("text-embedding-3-large", 3072)]
    public async Task Demo_EmbeddingsInBase64_OneVectorPerInputAtTheModelsDimension(string model, int dimension)
    {
        var (gateway, key) = await StartDemoAsync();
        await using var _ = gateway;

        var run = await NodeSdk.RunAsync("openai-embeddings", gateway.Host.Address, key, model);

        Assert.True(run.GetProperty("ok").GetBoolean(), run.GetRawText());
        var result = run.GetProperty("result");
        Assert.Equal(3, result.GetProperty("count").GetInt32());
        Assert.Equal([0, 1, 2], result.GetProperty("indexes").EnumerateArray().Select(i => i.GetInt32()));
        Assert.All(result.GetProperty("dims").EnumerateArray(), d => Assert.Equal(dimension, d.GetInt32()));
        var first = result.GetProperty("first").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        Assert.Equal(1.0, Math.Sqrt(first.Sum(x => x * x)), 3);
        Assert.True(Assert.Single(await gateway.LedgerRecordsAsync()).TotalCost > 0);
    }

    [Fact]
    public async Task Demo_EmbeddingsAsFloatsWithDimensions_HonoursTheRequest()
    {
        var (gateway, key) = await StartDemoAsync();
        await using var _ = gateway;
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/embeddings", Costs.CostTests.Json(new { model = "text-embedding-3-small", input = new[] { "a", "b" }, dimensions = 256 }), TestContext.Current.CancellationToken);

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var data = doc.RootElement.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.All(data.EnumerateArray(), e => Assert.Equal(256, e.GetProperty("embedding").GetArrayLength()));
    }

    [Fact]
    public async Task Demo_ResponsesJson_AnswersWithUsageAndIsPriced()
    {
        var (gateway, key) = await StartDemoAsync();
        await using var _ = gateway;
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/responses", Costs.CostTests.Json(new { model = "gpt-4o-mini", input = "Hello" }), TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("response", doc.RootElement.GetProperty("object").GetString());
        var text = doc.RootElement.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString();
        Assert.StartsWith("Tollgate prices every call", text);
        var outputTokens = doc.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32();
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal("demo", record.Provider);
        Assert.Equal(outputTokens, record.Usage.OutputTokens);
        Assert.True(record.TotalCost > 0);
        Assert.Equal(record.TotalCost, decimal.Parse(response.Headers.GetValues("x-tollgate-cost").Single(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Demo_ResponsesStreamWithOutputLimit_EndsIncompleteWithUsageAndCost()
    {
        var (gateway, key) = await StartDemoAsync();
        await using var _ = gateway;
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/responses", Costs.CostTests.Json(new { model = "gpt-4o-mini", input = "Hello", stream = true, max_output_tokens = 5 }), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        var events = body.Split("\n").Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement).ToList();
        Assert.Equal("response.created", events[0].GetProperty("type").GetString());
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.GetProperty("sequence_number").GetInt32()));
        var deltas = string.Concat(events.Where(e => e.GetProperty("type").GetString() == "response.output_text.delta").Select(e => e.GetProperty("delta").GetString()));
        Assert.Equal(5, deltas.Split(' ').Length);
        var last = events[^1];
        Assert.Equal("response.incomplete", last.GetProperty("type").GetString());
        Assert.Equal(5, last.GetProperty("response").GetProperty("usage").GetProperty("output_tokens").GetInt32());
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal(5, record.Usage.OutputTokens);
        Assert.False(record.Estimated);
        Assert.True(record.TotalCost > 0);
        Assert.Equal(record.TotalCost, decimal.Parse(last.GetProperty("tollgate").GetProperty("cost").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }
}
