using System.Net;
using System.Text.Json;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Proxy;

/// <summary>The Anthropic door's own formats (errors, count_tokens) and the model list, over real HTTP.</summary>
public sealed class AnthropicDoorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Messages_AdminKeyAndOversizedBody_ErrorsInAnthropicShape()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.MaxRequestBodyBytes = 2048);
        using var admin = gateway.ClientWithKey(TestGateway.AdminKey);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var forbidden = await admin.PostAsync("/v1/messages", CostTests.Json(new { model = "claude-haiku-4-5", max_tokens = 10, messages = new[] { new { role = "user", content = "hi" } } }), Ct);
        using var tooLarge = await client.PostAsync("/v1/messages", CostTests.Json(new { model = "claude-haiku-4-5", max_tokens = 10, messages = new[] { new { role = "user", content = new string('x', 4096) } } }), Ct);

        await AssertAnthropicErrorAsync(forbidden, HttpStatusCode.Forbidden, "permission_error");
        await AssertAnthropicErrorAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
    }

    [Fact]
    public async Task Messages_AllProvidersFailing_GatewayErrorInAnthropicShape()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.Providers = [.. o.Providers.Where(p => p.Name == "anthropic")]);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        gateway.Upstream.FailWithStatus = 500;
        await gateway.Upstream.DisposeAsync(); // unreachable: the gateway answers with its own 502
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/messages", CostTests.Json(new { model = "claude-haiku-4-5", max_tokens = 10, messages = new[] { new { role = "user", content = "hi" } } }), Ct);

        await AssertAnthropicErrorAsync(response, HttpStatusCode.BadGateway, "api_error");
    }

    [Fact]
    public async Task CountTokens_ImageToolsAndSystem_CountsEachAndForwardsNothing()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        // A 1×1 PNG: Anthropic's formula gives ⌈1 × 1 / 750⌉ = 1 token for it.
        const string png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
        var plain = new { model = "claude-haiku-4-5", messages = new object[] { new { role = "user", content = "What is in this picture?" } } };
        var rich = new
        {
            model = "claude-haiku-4-5",
            system = "You describe pictures.",
            tools = new[] { new { name = "lookup", description = "Look a word up", input_schema = new { type = "object", properties = new { word = new { type = "string" } } } } },
            messages = new object[]
            {
                new { role = "user", content = new object[] { new { type = "image", source = new { type = "base64", media_type = "image/png", data = png } }, new { type = "text", text = "What is in this picture?" } } },
            },
        };

        var plainCount = await CountAsync(client, plain);
        var richCount = await CountAsync(client, rich);

        Assert.True(plainCount > 5, $"plain prompt counted {plainCount}");
        Assert.True(richCount > plainCount + 10, $"system, tool and image add tokens: {plainCount} → {richCount}");
        Assert.Empty(gateway.Upstream.Requests);
    }

    [Fact]
    public async Task CountTokens_UnknownModel_404NotFoundInAnthropicShape()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/messages/count_tokens", CostTests.Json(new { model = "no-such-model", messages = new[] { new { role = "user", content = "hi" } } }), Ct);

        await AssertAnthropicErrorAsync(response, HttpStatusCode.NotFound, "not_found_error");
    }

    [Theory]
    [InlineData("{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}", "\"system\"")]
    [InlineData("{\"model\":\"claude-haiku-4-5\"}", "\"messages\"")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "\"model\" is missing")]
    [InlineData("{not json", "not valid JSON")]
    public async Task CountTokens_BadRequest_400InAnthropicShapeSayingWhatToFix(string body, string expected)
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/messages/count_tokens", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        var error = await AssertAnthropicErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.Contains(expected, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Models_ListAndRetrieve_ServedNamesOnlyInEitherShape()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var list = JsonDocument.Parse(await client.GetStringAsync("/v1/models", Ct));
        var ids = list.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToList();
        using var one = JsonDocument.Parse(await client.GetStringAsync("/v1/models/gpt-4o-mini", Ct));
        using var pattern = await client.GetAsync("/v1/models/ft:gpt-4o", Ct);
        using var anthropicRequest = new HttpRequestMessage(HttpMethod.Get, "/v1/models/nonesuch");
        anthropicRequest.Headers.Add("anthropic-version", "2023-06-01");
        using var anthropicMissing = await client.SendAsync(anthropicRequest, Ct);

        Assert.Contains("gpt-4o-mini", ids);
        Assert.Contains("claude-haiku-4-5", ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.DoesNotContain(ids, id => id.Contains(':', StringComparison.Ordinal) || id.Contains(".ft-", StringComparison.Ordinal) || id.EndsWith('-'));
        Assert.Equal("model", one.RootElement.GetProperty("object").GetString());
        Assert.Equal("openai", one.RootElement.GetProperty("owned_by").GetString());
        Assert.Equal(HttpStatusCode.NotFound, pattern.StatusCode);
        Assert.Equal("model_not_found", (await Admin.AdminKeysTests.ReadErrorAsync(pattern)).GetProperty("code").GetString());
        await AssertAnthropicErrorAsync(anthropicMissing, HttpStatusCode.NotFound, "not_found_error");
    }

    private static async Task<int> CountAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsync("/v1/messages/count_tokens", CostTests.Json(body), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        Assert.Single(json.RootElement.EnumerateObject());
        return json.RootElement.GetProperty("input_tokens").GetInt32();
    }

    private static async Task<JsonElement> AssertAnthropicErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
        var error = json.RootElement.GetProperty("error").Clone();
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        return error;
    }
}
