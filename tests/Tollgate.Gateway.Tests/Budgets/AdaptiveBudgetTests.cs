using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Alerts;
using Tollgate.Budgets;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Budgets;

/// <summary>Adaptive budgets degrade a gateway request instead of refusing it; emergency mode switches to the cheaper model.</summary>
public sealed class AdaptiveBudgetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");

    private static JsonElement SentBody(TestGateway gateway)
    {
        using var doc = JsonDocument.Parse(gateway.Upstream.Requests.Last().Body);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Chat_AdaptiveBudgetTooSmallForMaxTokens_ClampsMaxTokensAndSaysSoInAHeader()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.001", currency = "USD", period = "daily", enforcement = "adaptive" });
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Raw("""{"model":"gpt-4o-mini","max_tokens":4000,"messages":[{"role":"user","content":"hello"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var adapted = response.Headers.GetValues("x-tollgate-adapted").Single();
        Assert.StartsWith("max_tokens=", adapted, StringComparison.Ordinal);
        var clamped = int.Parse(adapted["max_tokens=".Length..], CultureInfo.InvariantCulture);
        // 0.001 at 0.60/M output pays for ~1 660 tokens after the prompt: clamped well below the 4 000 asked.
        Assert.InRange(clamped, 1_500, 1_666);
        Assert.Equal(clamped, SentBody(gateway).GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public async Task Chat_AdaptiveBudgetPromptTooDearForTheModel_SwitchesToTheConfiguredFallback()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.FallbackModels["gpt-4o"] = "gpt-4o-mini");
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.002", currency = "USD", period = "daily", enforcement = "adaptive" });
        using var client = gateway.ClientWithKey(key);
        var prompt = string.Join(' ', Enumerable.Range(0, 1500).Select(i => $"w{i}"));
        var body = JsonSerializer.Serialize(new { model = "gpt-4o", max_tokens = 100, messages = new[] { new { role = "user", content = prompt } } });

        using var response = await client.PostAsync("/v1/chat/completions", Raw(body), Ct);

        // The prompt alone costs more than 0.002 on gpt-4o (2.50/M) but fits on gpt-4o-mini (0.15/M).
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("model=gpt-4o-mini", response.Headers.GetValues("x-tollgate-adapted").Single());
        Assert.Equal("gpt-4o-mini", SentBody(gateway).GetProperty("model").GetString());
        Assert.Equal("gpt-4o-mini", Assert.Single(await gateway.LedgerRecordsAsync()).Model);
    }

    [Fact]
    public async Task Chat_AdaptiveBudgetToolsTooDear_DropsToolsAndSendsValidJson()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.002", currency = "USD", period = "daily", enforcement = "adaptive" });
        using var client = gateway.ClientWithKey(key);
        var description = string.Join(' ', Enumerable.Range(0, 1500).Select(i => $"w{i}"));
        var body = JsonSerializer.Serialize(new
        {
            model = "gpt-4o",
            max_tokens = 50,
            tools = new[] { new { type = "function", function = new { name = "lookup", description, parameters = new { type = "object" } } } },
            tool_choice = "auto",
            messages = new[] { new { role = "user", content = "hello" } },
        });

        using var response = await client.PostAsync("/v1/chat/completions", Raw(body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("tools=dropped", response.Headers.GetValues("x-tollgate-adapted").Single());
        var sent = SentBody(gateway);
        Assert.False(sent.TryGetProperty("tools", out _));
        Assert.False(sent.TryGetProperty("tool_choice", out _));
        Assert.Equal("gpt-4o", sent.GetProperty("model").GetString());
        Assert.Equal(50, sent.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public async Task Chat_AdaptiveBudgetNothingFits_Refused429()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.000001", currency = "USD", period = "daily", enforcement = "adaptive" });
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Raw("""{"model":"gpt-4o","max_tokens":4000,"messages":[{"role":"user","content":"hello there, how are you today?"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task Chat_EmergencyMode_SwitchesToTheCheaperModelAndResetEmergencySticks()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.FallbackModels["gpt-4o"] = "gpt-4o-mini");
        var (_, key) = await gateway.CreateKeyAsync("acme");
        var definitions = gateway.Host.Services.GetRequiredService<IBudgetDefinitionStore>();
        await definitions.UpsertAsync(new Budget
        {
            Id = "acme-emergency",
            Scope = BudgetScope.Global with { Tenant = "acme" },
            Limit = 0.001m,
            Period = BudgetPeriod.Daily,
            Enforcement = BudgetEnforcement.Soft,
            EmergencyThreshold = 0.1m,
            CreatedAt = DateTimeOffset.UtcNow,
        }, Ct);
        using var client = gateway.ClientWithKey(key);
        var monitor = gateway.Host.Services.GetRequiredService<BudgetAlertMonitor>();
        var ask = """{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"hello"}]}""";
        await Task.Delay(1100, Ct); // the gateway re-reads definitions every second
        using (var first = await client.PostAsync("/v1/chat/completions", Raw(ask), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode); // 1200 × 2.50/M + 300 × 10/M = 0.006: past 10 % of 0.001
        }

        // The settlement itself triggers a threshold check (off the request path): the two checks may race, one starts it.
        await monitor.CheckAsync(Ct);
        var store = gateway.Host.Services.GetRequiredService<IBudgetStore>();
        for (var wait = 0; wait < 50 && await store.GetEmergencyAsync(Ct) is null; wait++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.NotNull(await store.GetEmergencyAsync(Ct));
        using (var inEmergency = await client.PostAsync("/v1/chat/completions", Raw(ask), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, inEmergency.StatusCode);
            Assert.Contains("model=gpt-4o-mini", inEmergency.Headers.GetValues("x-tollgate-adapted").Single());
            Assert.Equal("gpt-4o-mini", SentBody(gateway).GetProperty("model").GetString());
        }

        // `tollgate budget reset-emergency` on the shared store; the running gateway's monitor must not start it again.
        Assert.True(await gateway.Host.Services.GetRequiredService<IBudgetStore>().ResetEmergencyAsync(Ct));
        await Task.Delay(1100, Ct);
        await monitor.CheckAsync(Ct);
        using var after = await client.PostAsync("/v1/chat/completions", Raw(ask), Ct);

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.False(after.Headers.Contains("x-tollgate-adapted"));
        Assert.Equal("gpt-4o", SentBody(gateway).GetProperty("model").GetString());
        Assert.Null(await gateway.Host.Services.GetRequiredService<IBudgetStore>().GetEmergencyAsync(Ct));
    }
}
