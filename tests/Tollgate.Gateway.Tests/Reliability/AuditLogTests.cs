using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// Every admin change through the API lands in the audit log with who (the admin key's id), what, when (the gateway's
/// clock) and the state before and after — and never a key's secret; <c>GET /admin/audit</c> reads it back by time.
/// </summary>
public sealed class AuditLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdminChanges_EachRecordedWithActorTimeBeforeAndAfter_NoSecret()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var gateway = await TestGateway.StartAsync(settings: new GatewayHostSettings { Time = time, LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning });

        var (keyId, secret) = await gateway.CreateKeyAsync("acme", "bot");
        time.Advance(TimeSpan.FromMinutes(1));
        await gateway.CreateBudgetAsync(new { id = "acme-daily", scope = new { tenant = "acme" }, limit = "10", period = "daily", enforcement = "hard" });
        time.Advance(TimeSpan.FromMinutes(1));
        await gateway.CreateBudgetAsync(new { id = "acme-daily", scope = new { tenant = "acme" }, limit = "12.5", period = "daily", enforcement = "soft", replace = true });
        time.Advance(TimeSpan.FromMinutes(1));
        (await gateway.Admin.PostAsync("/admin/providers/google/disable", null, Ct)).EnsureSuccessStatusCode();
        (await gateway.Admin.PostAsync("/admin/providers/google/enable", null, Ct)).EnsureSuccessStatusCode();
        (await gateway.Admin.PostAsJsonAsync("/admin/providers/openai/prefer", new { type = "chat" }, Ct)).EnsureSuccessStatusCode();
        time.Advance(TimeSpan.FromMinutes(1));
        (await gateway.Admin.DeleteAsync("/admin/budgets/acme-daily", Ct)).EnsureSuccessStatusCode();
        (await gateway.Admin.DeleteAsync($"/admin/keys/{keyId}", Ct)).EnsureSuccessStatusCode();
        // A refused change changes nothing and records nothing.
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.Admin.PostAsJsonAsync("/admin/budgets", new { limit = "1" }, Ct)).StatusCode);

        var text = await gateway.Admin.GetStringAsync("/admin/audit", Ct);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestGateway.AdminKey, text, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(text);
        var entries = doc.RootElement.GetProperty("data").EnumerateArray().Reverse().Where(e => e.GetProperty("actor").GetString() != "config").ToList();
        Assert.Equal(
            ["key.create", "budget.set", "budget.set", "provider.disable", "provider.enable", "provider.prefer", "budget.delete", "key.revoke"],
            entries.Select(e => e.GetProperty("action").GetString()));
        var actor = entries[0].GetProperty("actor").GetString();
        Assert.False(string.IsNullOrEmpty(actor));
        Assert.All(entries, e => Assert.Equal(actor, e.GetProperty("actor").GetString()));
        Assert.NotEqual(keyId, actor);

        Assert.Equal(keyId, entries[0].GetProperty("target").GetString());
        Assert.Equal(JsonValueKind.Null, Kind(entries[0], "before"));
        Assert.Equal("acme", entries[0].GetProperty("after").GetProperty("tenant").GetString());
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), entries[0].GetProperty("at").GetDateTimeOffset());

        Assert.Equal(JsonValueKind.Null, Kind(entries[1], "before"));
        Assert.Equal("10", entries[1].GetProperty("after").GetProperty("limit").GetString());
        Assert.Equal("10", entries[2].GetProperty("before").GetProperty("limit").GetString());
        Assert.Equal("12.5", entries[2].GetProperty("after").GetProperty("limit").GetString());
        Assert.Equal("soft", entries[2].GetProperty("after").GetProperty("enforcement").GetString());
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 2, 0, TimeSpan.Zero), entries[2].GetProperty("at").GetDateTimeOffset());

        Assert.True(entries[3].GetProperty("before").GetProperty("enabled").GetBoolean());
        Assert.False(entries[3].GetProperty("after").GetProperty("enabled").GetBoolean());
        Assert.Equal("chat", entries[5].GetProperty("target").GetString());
        Assert.Equal("openai", entries[5].GetProperty("after").GetProperty("provider").GetString());
        Assert.Equal("12.5", entries[6].GetProperty("before").GetProperty("limit").GetString());
        Assert.Equal(JsonValueKind.Null, Kind(entries[6], "after"));
        Assert.Equal(JsonValueKind.Null, Kind(entries[7].GetProperty("before"), "revoked_at"));
        Assert.Equal(JsonValueKind.String, entries[7].GetProperty("after").GetProperty("revoked_at").ValueKind);

        // By time: [09:01, 09:03) holds the two budget sets; limit keeps the newest.
        using var range = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/audit?from=2026-12-01T09:01:00Z&to=2026-12-01T09:03:00Z", Ct));
        Assert.Equal(["budget.set", "budget.set"], range.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        using var newest = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/audit?limit=1", Ct));
        Assert.Equal("key.revoke", Assert.Single(newest.RootElement.GetProperty("data").EnumerateArray()).GetProperty("action").GetString());
    }

    /// <summary>A member's kind, Null when absent (the API leaves out null members).</summary>
    private static JsonValueKind Kind(JsonElement element, string name) => element.TryGetProperty(name, out var value) ? value.ValueKind : JsonValueKind.Null;

    [Fact]
    public async Task Start_Configuration_RecordedByConfigWithoutProviderKeys()
    {
        await using var gateway = await TestGateway.StartAsync();

        var text = await gateway.Admin.GetStringAsync("/admin/audit", Ct);

        using var doc = JsonDocument.Parse(text);
        var entry = Assert.Single(doc.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("config", entry.GetProperty("actor").GetString());
        Assert.Equal("config.load", entry.GetProperty("action").GetString());
        Assert.Contains("openai", entry.GetProperty("after").GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.DoesNotContain("sk-upstream-openai-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("upstream-secret", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/admin/audit?from=yesterday", "from")]
    [InlineData("/admin/audit?limit=0", "limit")]
    [InlineData("/admin/audit?limit=abc", "limit")]
    public async Task Query_BadParameter_400NamingIt(string path, string param)
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await gateway.Admin.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(param, doc.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Query_ClientKey_Forbidden()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.GetAsync("/admin/audit", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
