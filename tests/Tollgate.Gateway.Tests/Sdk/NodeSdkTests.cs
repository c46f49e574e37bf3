using System.Text.Json;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Sdk;

/// <summary>
/// The official Node SDKs (<c>openai</c>, <c>@anthropic-ai/sdk</c>) at default settings against a real gateway and a
/// fake provider speaking the real wire formats: every door, streams, refusals and errors.
/// </summary>
public sealed class NodeSdkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(TestGateway Gateway, string Key)> StartAsync(bool exhausted = false)
    {
        var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        if (exhausted)
        {
            await gateway.CreateBudgetAsync(new { id = "acme-daily", name = "acme daily", scope = new { tenant = "acme" }, limit = "0.000000001", currency = "USD", period = "daily", enforcement = "hard" });
        }

        return (gateway, key);
    }

    [Fact]
    public async Task OpenAiChat_DefaultSettings_AnswerUsageAndCostHeader()
    {
        var (gateway, key) = await StartAsync();
        await using var _ = gateway;

        var run = await NodeSdk.RunAsync("openai-chat", gateway.Host.Address, key);

        var result = Ok(run);
        Assert.Equal("Hello from the fake upstream.", result.GetProperty("text").GetString());
        Assert.Equal(1200, result.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.True(decimal.Parse(result.GetProperty("cost").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task OpenAiStream_DefaultSettings_TextAndUsage()
    {
        var (gateway, key) = await StartAsync();
        await using var _ = gateway;

        var result = Ok(await NodeSdk.RunAsync("openai-stream", gateway.Host.Address, key));

        Assert.Equal("Hello from the fake upstream.", result.GetProperty("text").GetString());
        Assert.Equal(300, result.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task OpenAiEmbeddings_DefaultBase64_OneDecodedVectorPerInput()
    {
        var (gateway, key) = await StartAsync();
        await using var _ = gateway;

        var result = Ok(await NodeSdk.RunAsync("openai-embeddings", gateway.Host.Address, key));

        Assert.Equal(3, result.GetProperty("count").GetInt32());
        Assert.Equal([3, 3, 3], result.GetProperty("dims").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(0.1, result.GetProperty("first")[0].GetDouble(), 5);
        Assert.Contains("\"encoding_format\":\"base64\"", gateway.Upstream.Requests.Single().Body);
    }

    [Theory]
    [InlineData("openai-chat-capped")]
    [InlineData("openai-stream-capped")]
    [InlineData("openai-embeddings")]
    public async Task OpenAi_BudgetExhausted_RateLimitErrorAtOnceWithBudgetDetails(string scenario)
    {
        var (gateway, key) = await StartAsync(exhausted: true);
        await using var _ = gateway;

        var run = await NodeSdk.RunAsync(scenario, gateway.Host.Address, key);

        AssertFastRefusal(run);
        var error = run.GetProperty("body");
        Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("acme-daily", error.GetProperty("budget").GetProperty("id").GetString());
        Assert.Equal(1, await OpenAiDotNetSdkTests.BudgetRefusalsAsync(gateway));
        Assert.Empty(gateway.Upstream.Requests);
    }

    [Fact]
    public async Task OpenAi_UnknownModel_NotFoundError()
    {
        var (gateway, key) = await StartAsync();
        await using var _ = gateway;

        var run = await NodeSdk.RunAsync("openai-unknown-model", gateway.Host.Address, key);

        Assert.False(run.GetProperty("ok").GetBoolean());
        Assert.Equal("NotFoundError", run.GetProperty("error").GetString());
        Assert.Equal("model_not_found", run.GetProperty("body").GetProperty("code").GetString());
    }

    [Fact]
    public async Task OpenAi_BadKey_AuthenticationError()
    {
        var (gateway, _) = await StartAsync();
        await using var __ = gateway;

        var run = await NodeSdk.RunAsync("openai-chat", gateway.Host.Address, "tg-not-a-real-key");

        Assert.Equal("AuthenticationError", run.GetProperty("error").GetString());
    }

    [Fact]
    public async Task OpenAiModels_ListAndRetrieve_ServedNamesOnly()
    {
        var (gateway, key) = await StartAsync();
        await using var _ = gateway;

        var result = Ok(await NodeSdk.RunAsync("openai-models", gateway.Host.Address, key));

        Assert.Equal("gpt-4o-mini", result.GetProperty("id").GetString());
        var ids = result.GetProperty("ids").EnumerateArray().Select(i => i.GetString()!).ToList();
        Assert.Contains("claude-haiku-4-5", ids);
        Assert.DoesNotContain(ids, id => id.Contains(':', StringComparison.Ordinal) || id.EndsWith('-'));
    }

    [Fact]
    public async Task AnthropicMessages_DefaultSettings_AnswerAndUsage()
    {
        var (gateway, key) = await StartAsync();
        await using var _ = gateway;

        var result = Ok(await NodeSdk.RunAsync("anthropic-messages", gateway.Host.Address, key));

        Assert.Equal("Hello from the fake upstream.", result.GetProperty("text").GetString());
        Assert.Equal(300, result.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Single(await gateway.LedgerRecordsAsync());
    }

    [Fact]
    public async Task AnthropicStream_DefaultSettings_TextAndFinalUsage()
    {
        var (gateway, key) = await StartAsync();
        await using var _ = gateway;

        var result = Ok(await NodeSdk.RunAsync("anthropic-stream", gateway.Host.Address, key));

        Assert.Equal("Hello from the fake upstream.", result.GetProperty("text").GetString());
        Assert.Equal(300, result.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Theory]
    [InlineData("anthropic-messages")]
    [InlineData("anthropic-stream-refused")]
    public async Task Anthropic_BudgetExhausted_RateLimitErrorAtOnceInAnthropicShape(string scenario)
    {
        var (gateway, key) = await StartAsync(exhausted: true);
        await using var _ = gateway;

        var run = await NodeSdk.RunAsync(scenario, gateway.Host.Address, key);

        AssertFastRefusal(run);
        var body = run.GetProperty("body");
        Assert.Equal("error", body.GetProperty("type").GetString());
        var error = body.GetProperty("error");
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("acme-daily", error.GetProperty("budget").GetProperty("id").GetString());
        Assert.Equal(1, await OpenAiDotNetSdkTests.BudgetRefusalsAsync(gateway));
    }

    [Theory]
    [InlineData("anthropic-unknown-model", null, "NotFoundError", "not_found_error")]
    [InlineData("anthropic-no-messages", null, "BadRequestError", "invalid_request_error")]
    [InlineData("anthropic-no-max-tokens", null, "BadRequestError", "invalid_request_error")]
    [InlineData("anthropic-messages", "tg-not-a-real-key", "AuthenticationError", "authentication_error")]
    public async Task Anthropic_Errors_InAnthropicShape(string scenario, string? badKey, string errorClass, string errorType)
    {
        var (gateway, key) = await StartAsync();
        await using var _ = gateway;

        var run = await NodeSdk.RunAsync(scenario, gateway.Host.Address, badKey ?? key);

        Assert.False(run.GetProperty("ok").GetBoolean());
        Assert.Equal(errorClass, run.GetProperty("error").GetString());
        Assert.Equal("error", run.GetProperty("body").GetProperty("type").GetString());
        Assert.Equal(errorType, run.GetProperty("body").GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Anthropic_UpstreamError_PassedOnInAnthropicShape()
    {
        var (gateway, key) = await StartAsync();
        await using var _ = gateway;
        gateway.Upstream.FailWithStatus = 400;

        var run = await NodeSdk.RunAsync("anthropic-messages", gateway.Host.Address, key);

        Assert.Equal("BadRequestError", run.GetProperty("error").GetString());
        Assert.Equal("error", run.GetProperty("body").GetProperty("type").GetString());
    }

    [Fact]
    public async Task AnthropicCountTokens_SystemAndMessages_CountsLocallyWithoutForwarding()
    {
        var (gateway, key) = await StartAsync();
        await using var _ = gateway;

        var result = Ok(await NodeSdk.RunAsync("anthropic-count-tokens", gateway.Host.Address, key));

        var tokens = result.GetProperty("input_tokens").GetInt32();
        Assert.InRange(tokens, 5, 40);
        Assert.Empty(gateway.Upstream.Requests);
    }

    [Fact]
    public async Task AnthropicModels_RetrieveAndList_InAnthropicShape()
    {
        var (gateway, key) = await StartAsync();
        await using var _ = gateway;

        var result = Ok(await NodeSdk.RunAsync("anthropic-models", gateway.Host.Address, key));

        Assert.Equal("claude-haiku-4-5", result.GetProperty("id").GetString());
        Assert.Contains("claude-haiku-4-5", result.GetProperty("ids").EnumerateArray().Select(i => i.GetString()));
    }

    private static JsonElement Ok(JsonElement run)
    {
        Assert.True(run.GetProperty("ok").GetBoolean(), run.GetRawText());
        return run.GetProperty("result");
    }

    private static void AssertFastRefusal(JsonElement run)
    {
        Assert.False(run.GetProperty("ok").GetBoolean(), run.GetRawText());
        Assert.True(run.GetProperty("rateLimit").GetBoolean(), run.GetRawText());
        Assert.Equal(429, run.GetProperty("status").GetInt32());
        Assert.Equal("false", run.GetProperty("shouldRetry").GetString());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("retryAfter").ValueKind);
        Assert.True(run.GetProperty("elapsedMs").GetInt32() < 1000, run.GetRawText());
    }
}
