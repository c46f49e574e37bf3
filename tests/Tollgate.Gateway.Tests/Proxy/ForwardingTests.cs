using System.ClientModel;
using System.Net;
using System.Text;
using OpenAI.Chat;
using Tollgate.Gateway.Tests.Admin;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Proxy;

public sealed class ForwardingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ChatCompletion_ThroughOpenAiSdk_ReturnsUpstreamAnswerAndTollgateHeaders()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        var chat = gateway.OpenAi(key).GetChatClient("gpt-4o-mini");

        ClientResult<ChatCompletion> result = await chat.CompleteChatAsync([new UserChatMessage("Say hello")], cancellationToken: Ct);

        Assert.Equal("Hello from the fake upstream.", result.Value.Content[0].Text);
        Assert.Equal(1200, result.Value.Usage.InputTokenCount);
        var raw = result.GetRawResponse();
        Assert.True(raw.Headers.TryGetValue("x-tollgate-request-id", out var requestId));
        Assert.StartsWith("req_", requestId);
        Assert.True(raw.Headers.TryGetValue("x-tollgate-cost", out _));
        var forwarded = Assert.Single(gateway.Upstream.Requests);
        Assert.Equal("Bearer sk-upstream-openai-secret", forwarded.Headers["Authorization"]);
    }

    [Fact]
    public async Task ChatCompletion_JsonBody_IsForwardedByteForByte()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        const string body = "{ \"messages\" : [ {\"role\":\"user\",\"content\":\"caf\\u00e9 \\\"quoted\\\"\"} ],\n  \"model\":\"gpt-4o-mini\", \"temperature\": 0.25, \"x_custom\": {\"a\": [1, 2.50]} }";

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, Assert.Single(gateway.Upstream.Requests).Body);
    }

    [Fact]
    public async Task ChatCompletion_Stream_AsksForUsageAndPassesChunksThrough()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        var chat = gateway.OpenAi(key).GetChatClient("gpt-4o-mini");

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Say hello")], cancellationToken: Ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
        }

        Assert.Equal("Hello from the fake upstream.", text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(300, usage.OutputTokenCount);
        var forwarded = Assert.Single(gateway.Upstream.Requests).Body;
        Assert.Contains("\"stream_options\":{\"include_usage\":true}", forwarded);
    }

    [Theory]
    [InlineData("{\"model\":\"gpt-4o-mini\",", 400, "not valid JSON")]
    [InlineData("[1,2]", 400, "JSON object")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 400, "\"model\" is missing")]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"messages\":[]}", 400, "\"messages\" is empty")]
    [InlineData("{\"model\":\"no-such-model-9\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 404, "not served by any configured provider")]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"max_tokens\":\"lots\"}", 400, "max_tokens")]
    public async Task ChatCompletion_BadInput_Returns4xxAndForwardsNothing(string body, int status, string message)
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(message, (await AdminKeysTests.ReadErrorAsync(response)).GetProperty("message").GetString());
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task ChatCompletion_BodyTooLarge_Returns413AndForwardsNothing()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.MaxRequestBodyBytes = 4096);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        var body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 5000) + "\"}]}";

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", (await AdminKeysTests.ReadErrorAsync(response)).GetProperty("code").GetString());
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer tg-not-a-real-key")]
    [InlineData("Basic abc")]
    public async Task ChatCompletion_MissingOrInvalidKey_Returns401(string? authorization)
    {
        await using var gateway = await TestGateway.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("{\"model\":\"gpt-4o-mini\",\"messages\":[]}", Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await gateway.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await AdminKeysTests.ReadErrorAsync(response);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.DoesNotContain("not-a-real-key", error.GetProperty("message").GetString());
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }
}
