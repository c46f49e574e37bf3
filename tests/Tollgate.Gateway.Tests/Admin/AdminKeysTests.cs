using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Admin;

public sealed class AdminKeysTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostKeys_WithAdminKey_CreatesKeyThatListsWithoutSecret()
    {
        await using var gateway = await TestGateway.StartAsync();

        var (id, key) = await gateway.CreateKeyAsync("acme", "chatbot", "alice");

        Assert.StartsWith("tg-", key);
        Assert.StartsWith("key_", id);
        var list = await gateway.Admin.GetStringAsync("/admin/keys", Ct);
        using var doc = JsonDocument.Parse(list);
        var entry = Assert.Single(doc.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal(id, entry.GetProperty("id").GetString());
        Assert.Equal("acme", entry.GetProperty("tenant").GetString());
        Assert.Equal("chatbot", entry.GetProperty("project").GetString());
        Assert.Equal("alice", entry.GetProperty("user").GetString());
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);
        Assert.DoesNotContain(key[3..], list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostKeys_WithoutTenant_Returns400SayingWhatToFix()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await gateway.Admin.PostAsJsonAsync("/admin/keys", new { project = "x" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Contains("\"tenant\" is required", error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task AdminEndpoints_WithoutKeyOrWithClientKey_AreRefused()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        using var anonymous = await gateway.Http.GetAsync("/admin/keys", Ct);
        using var client = gateway.ClientWithKey(key);
        using var asClient = await client.GetAsync("/admin/keys", Ct);
        using var create = await client.PostAsJsonAsync("/admin/keys", new { tenant = "globex" }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asClient.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
    }

    [Fact]
    public async Task DeleteKey_ThenCallWithIt_Returns401AtOnce()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (id, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        using var before = await client.GetAsync("/v1/models", Ct);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using var delete = await gateway.Admin.DeleteAsync($"/admin/keys/{id}", Ct);
        using var after = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"gpt-4o-mini","messages":[]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("revoked", (await ReadErrorAsync(after)).GetProperty("message").GetString());
        Assert.Equal(0, gateway.Upstream.RequestCount);
        using var again = await gateway.Admin.DeleteAsync("/admin/keys/key_unknown", Ct);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    internal static async Task<JsonElement> ReadErrorAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(text);
        var error = doc.RootElement.GetProperty("error").Clone();
        Assert.True(error.TryGetProperty("param", out _), "OpenAI error shape has param");
        Assert.True(error.TryGetProperty("code", out _), "OpenAI error shape has code");
        return error;
    }
}
