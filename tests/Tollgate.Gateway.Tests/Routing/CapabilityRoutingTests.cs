using System.Net;
using System.Text.Json;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Routing;

/// <summary>
/// Capabilities a request uses (images, tools, structured output) reach the core router: a model the capability
/// catalog says lacks one is not sent the request. The catalog lists deepseek-chat with tools and without vision or
/// JSON schema, and deepseek-reasoner without tools.
/// </summary>
public sealed class CapabilityRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestGateway> StartAsync(FakeUpstream deepseek) => TestGateway.StartAsync((o, _) =>
        o.Providers.Add(new ProviderEndpointOptions { Name = "deepseek", BaseUrl = deepseek.OpenAiBase.ToString(), ApiKey = "ds-secret" }));

    private static object ImageMessage() => new
    {
        role = "user",
        content = new object[]
        {
            new { type = "text", text = "what is in this picture?" },
            new { type = "image_url", image_url = new { url = "data:image/png;base64,iVBORw0KGgo=" } },
        },
    };

    private static object[] Tools() =>
    [
        new { type = "function", function = new { name = "lookup", parameters = new { type = "object", properties = new { } } } },
    ];

    [Fact]
    public async Task Chat_ImageToTextOnlyModel_400NamesTheCapabilityAndNothingIsSentOrRecorded()
    {
        await using var deepseek = await FakeUpstream.StartAsync();
        await using var gateway = await StartAsync(deepseek);
        var (_, key) = await gateway.CreateKeyAsync("acme");

        using var response = await gateway.ClientWithKey(key).PostAsync("/v1/chat/completions",
            CostTests.Json(new { model = "deepseek-chat", max_tokens = 20, messages = new[] { ImageMessage() } }), Ct);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = error.RootElement.GetProperty("error");
        Assert.Equal("unsupported_capability", body.GetProperty("code").GetString());
        Assert.Equal("messages", body.GetProperty("param").GetString());
        Assert.Contains("'deepseek-chat' does not support image input (vision)", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, deepseek.RequestCount);
        Assert.Empty(await gateway.LedgerRecordsAsync());
    }

    [Fact]
    public async Task Chat_ToolsOrJsonSchema_RoutedByWhatTheModelSupports()
    {
        await using var deepseek = await FakeUpstream.StartAsync();
        await using var gateway = await StartAsync(deepseek);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        var text = new[] { new { role = "user", content = "look it up" } };

        using var toolsToChat = await client.PostAsync("/v1/chat/completions",
            CostTests.Json(new { model = "deepseek-chat", max_tokens = 20, messages = text, tools = Tools() }), Ct);
        using var toolsToReasoner = await client.PostAsync("/v1/chat/completions",
            CostTests.Json(new { model = "deepseek-reasoner", max_tokens = 20, messages = text, tools = Tools() }), Ct);
        using var emptyToolsToReasoner = await client.PostAsync("/v1/chat/completions",
            CostTests.Json(new { model = "deepseek-reasoner", max_tokens = 20, messages = text, tools = Array.Empty<object>() }), Ct);
        using var schemaToChat = await client.PostAsync("/v1/chat/completions",
            CostTests.Json(new { model = "deepseek-chat", max_tokens = 20, messages = text, response_format = new { type = "json_schema", json_schema = new { name = "x", schema = new { type = "object" } } } }), Ct);
        using var textFormatToChat = await client.PostAsync("/v1/chat/completions",
            CostTests.Json(new { model = "deepseek-chat", max_tokens = 20, messages = text, response_format = new { type = "text" } }), Ct);
        using var schemaError = JsonDocument.Parse(await schemaToChat.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, toolsToChat.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, toolsToReasoner.StatusCode);
        Assert.Equal(HttpStatusCode.OK, emptyToolsToReasoner.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, schemaToChat.StatusCode);
        Assert.Equal("response_format", schemaError.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(HttpStatusCode.OK, textFormatToChat.StatusCode);
        Assert.Equal(3, deepseek.RequestCount);
    }

    [Fact]
    public async Task Chat_ImageToVisionModel_Forwarded()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        using var response = await gateway.ClientWithKey(key).PostAsync("/v1/chat/completions",
            CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 20, messages = new[] { ImageMessage() } }), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, gateway.Upstream.RequestCount);
    }
}
