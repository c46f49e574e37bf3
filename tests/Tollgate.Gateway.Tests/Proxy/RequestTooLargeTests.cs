using System.Net;
using System.Text;
using System.Text.Json;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Proxy;

/// <summary>
/// A request no model could ever take (output limit above the model's maximum output, prompt plus output beyond its
/// context window) is the client's mistake: 400 naming the field, in the door's own error shape, and nothing forwarded.
/// </summary>
public sealed class RequestTooLargeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("max_tokens")]
    [InlineData("max_completion_tokens")]
    public async Task Chat_OutputLimitAboveModelMaximum_400NamingTheField(string field)
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions",
            Json($$"""{"model":"gpt-4o-mini","{{field}}":5000000,"messages":[{"role":"user","content":"hello"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var body = error.RootElement.GetProperty("error");
        Assert.Equal(field, body.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", body.GetProperty("type").GetString());
        Assert.Contains("gpt-4o-mini", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task Chat_PromptBeyondContextWindow_400ContextLengthExceeded()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        var prompt = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 60_000));

        using var response = await client.PostAsync("/v1/chat/completions",
            Json(JsonSerializer.Serialize(new { model = "gpt-4o-mini", max_tokens = 100, messages = new[] { new { role = "user", content = prompt } } })), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var body = error.RootElement.GetProperty("error");
        Assert.Equal("messages", body.GetProperty("param").GetString());
        Assert.Equal("context_length_exceeded", body.GetProperty("code").GetString());
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task Messages_OutputLimitAboveModelMaximum_400InAnthropicShape()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/messages",
            Json("""{"model":"claude-haiku-4-5","max_tokens":5000000,"messages":[{"role":"user","content":"hello"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("error", error.RootElement.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("max_tokens", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
