using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// A provider that echoes the credential it was called with — in an error body, a successful body or a stream — must
/// not hand the configured provider key to the gateway's clients, nor to its log.
/// </summary>
public sealed class SecretScrubbingTests
{
    private const string OpenAiSecret = "sk-upstream-openai-secret";
    private const string AnthropicSecret = "sk-ant-upstream-secret";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What the fake provider echoes: the credential headers it received, verbatim.</summary>
    private static string Credentials(RecordedRequest request) =>
        string.Join(" ", new[] { "Authorization", "x-api-key" }.Select(h => request.Headers.GetValueOrDefault(h)).Where(v => v is not null));

    [Fact]
    public async Task ErrorBody_EchoesProviderKey_ClientGetsItRedacted()
    {
        var logs = new CapturedLogs();
        await using var gateway = await TestGateway.StartAsync(settings: new GatewayHostSettings { LogLevel = Microsoft.Extensions.Logging.LogLevel.Debug, LogSink = logs });
        gateway.Upstream.Answer = (context, request) =>
        {
            context.Response.StatusCode = 401;
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync($$$"""{"error":{"message":"Incorrect API key provided: {{{Credentials(request)}}}.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""");
        };
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(OpenAiSecret, gateway.Upstream.Requests.Single().Headers["Authorization"], StringComparison.Ordinal);
        Assert.DoesNotContain(OpenAiSecret, text, StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided: Bearer [redacted].", text, StringComparison.Ordinal);
        Assert.DoesNotContain(OpenAiSecret, logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuccessBody_EchoesProviderKey_ClientGetsItRedacted()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.Answer = (context, request) =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync($$$"""{"id":"x","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"you sent {{{Credentials(request)}}}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}""");
        };
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(OpenAiSecret, text, StringComparison.Ordinal);
        Assert.Contains("you sent Bearer [redacted]", text, StringComparison.Ordinal);
        Assert.Equal(text.Length, (int)response.Content.Headers.ContentLength!);
    }

    [Fact]
    public async Task Stream_EventEchoesProviderKey_ClientGetsItRedactedAndTheStreamWhole()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.Answer = async (context, request) =>
        {
            context.Response.ContentType = "text/event-stream";
            foreach (var data in new[]
            {
                """{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"key: "},"finish_reason":null}]}""",
                $$$"""{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"{{{Credentials(request)}}}"},"finish_reason":"stop"}]}""",
                """{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}""",
                "[DONE]",
            })
            {
                await context.Response.WriteAsync($"data: {data}\n\n");
                await context.Response.Body.FlushAsync();
            }
        };
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"gpt-4o-mini","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}"""), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(OpenAiSecret, text, StringComparison.Ordinal);
        Assert.Contains("Bearer [redacted]", text, StringComparison.Ordinal);
        Assert.Contains("\"tollgate\"", text, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal(15, record.Usage.InputTokens + record.Usage.OutputTokens);
    }

    [Fact]
    public async Task AnthropicDoor_ErrorEchoesApiKey_ClientGetsItRedacted()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.Answer = (context, request) =>
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync($$$"""{"type":"error","error":{"type":"invalid_request_error","message":"bad request for key {{{Credentials(request)}}}"}}""");
        };
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/messages", Json("""{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(AnthropicSecret, gateway.Upstream.Requests.Single().Headers["x-api-key"]);
        Assert.DoesNotContain(AnthropicSecret, text, StringComparison.Ordinal);
        Assert.Contains("bad request for key [redacted]", text, StringComparison.Ordinal);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
