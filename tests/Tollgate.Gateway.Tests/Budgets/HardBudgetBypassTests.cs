using System.Globalization;
using System.Net;
using System.Text;
using Tollgate.Gateway.Tests.Admin;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Metering;
using Tollgate.Pricing;

namespace Tollgate.Gateway.Tests.Budgets;

/// <summary>
/// Requests a hostile client can send to get past a hard budget, through the real gateway: each one is held at its
/// true worst case, refused, or billed from Tollgate's own count — never forwarded at a price the budget did not see.
/// </summary>
public sealed class HardBudgetBypassTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<decimal> LedgerTotalAsync(TestGateway gateway) => (await gateway.LedgerRecordsAsync()).Sum(r => r.TotalCost);

    [Fact]
    public async Task Chat_NEightUnderHardBudget_HoldsEveryCompletionAndNeverOvershoots()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.PromptTokens = 5;
        gateway.Upstream.CompletionTokens = 8 * 1000; // eight completions of max_tokens each, as the provider bills them
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { id = "acme-hard", scope = new { tenant = "acme" }, limit = "0.03", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.PostAsync("/v1/chat/completions",
                Raw("""{"model":"gpt-4o-mini","n":8,"max_tokens":1000,"messages":[{"role":"user","content":"hello"}]}"""), Ct);
            statuses.Add(response.StatusCode);
        }

        // Each call costs 5 × 0.15/M + 8000 × 0.60/M = 0.00480075: six fit in 0.03, the seventh's worst case does not.
        Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.All(statuses.Skip(6), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.Equal(6, gateway.Upstream.RequestCount);
        Assert.True(await LedgerTotalAsync(gateway) <= 0.03m, $"spent {await LedgerTotalAsync(gateway)} of a 0.03 hard budget");
    }

    [Fact]
    public async Task Chat_NEightWithoutMaxTokens_HeldAsEightTimesTheModelsMaximumOutputAndRefused()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.03", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Raw("""{"model":"gpt-4o-mini","n":8,"messages":[{"role":"user","content":"hello"}]}"""), Ct);

        // One completion fits (16 384 × 0.60/M ≈ 0.0098); eight (≈ 0.079) do not.
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var error = await AdminKeysTests.ReadErrorAsync(response);
        Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
        var needed = decimal.Parse(error.GetProperty("budget").GetProperty("needed").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(needed > 8 * 16_384 * 0.60m / 1_000_000m, $"held {needed}");
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task Chat_HugeToolDefinitions_CountedIntoTheHoldAndRefused()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.01", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);
        var description = string.Join(' ', Enumerable.Range(0, 5_000).Select(i => $"word{i}"));
        var body = System.Text.Json.JsonSerializer.Serialize(new
        {
            model = "gpt-4o",
            max_tokens = 10,
            messages = new[] { new { role = "user", content = "hello" } },
            tools = new[] { new { type = "function", function = new { name = "f", description, parameters = new { type = "object" } } } },
        });

        using var response = await client.PostAsync("/v1/chat/completions", Raw(body), Ct);

        // The tool definitions alone are tens of thousands of input tokens at 2.50/M: more than the 0.01 budget.
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o-mini","n":0,"messages":[{"role":"user","content":"hi"}]}""", "\"n\" must be an integer from 1 to 128")]
    [InlineData("""{"model":"gpt-4o-mini","n":129,"messages":[{"role":"user","content":"hi"}]}""", "\"n\" must be an integer from 1 to 128")]
    [InlineData("""{"model":"gpt-4o-mini","n":"8","messages":[{"role":"user","content":"hi"}]}""", "\"n\" must be an integer")]
    [InlineData("""{"model":"gpt-4o-mini","best_of":2.5,"messages":[{"role":"user","content":"hi"}]}""", "\"best_of\" must be an integer from 1 to 128")]
    public async Task Chat_InvalidChoiceCount_Returns400SayingWhatToFix(string body, string expected)
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Raw(body), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await AdminKeysTests.ReadErrorAsync(response)).GetProperty("message").GetString());
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task Chat_ProviderPinnedUnknownModelUnderHardBudget_Refused403AndNothingForwardedOrHeld()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        var budgetId = await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "10", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions",
            Raw("""{"model":"openai/gpt-4o-2099-preview","max_tokens":10,"messages":[{"role":"user","content":"hello"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = await AdminKeysTests.ReadErrorAsync(response);
        Assert.Equal("model_unpriced", error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("gpt-4o-2099-preview", message);
        Assert.Contains(budgetId, message);
        Assert.Contains("fallbackPrices", message);
        Assert.Equal(0, gateway.Upstream.RequestCount);
        Assert.Empty(await gateway.LedgerRecordsAsync());
        using var status = System.Text.Json.JsonDocument.Parse(await gateway.Admin.GetStringAsync($"/admin/budgets/{budgetId}", Ct));
        Assert.Equal("0", status.RootElement.GetProperty("held").GetString());
    }

    [Fact]
    public async Task Chat_ProviderPinnedUnknownModelWithoutBudget_ForwardedAndRecordedUnpriced()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions",
            Raw("""{"model":"openai/gpt-4o-2099-preview","max_tokens":10,"messages":[{"role":"user","content":"hello"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(Assert.Single(await gateway.LedgerRecordsAsync()).Unpriced);
    }

    [Fact]
    public async Task Chat_ProviderPinnedUnknownModelWithFallbackPrice_HeldAndBilledAtThatPrice()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.Pricing.FallbackPrices.Add(
            new FallbackPrice("openai", new Dictionary<string, decimal> { ["input_mtok"] = 1m, ["output_mtok"] = 2m })));
        gateway.Upstream.PromptTokens = 100;
        gateway.Upstream.CompletionTokens = 10;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "10", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions",
            Raw("""{"model":"openai/gpt-4o-2099-preview","max_tokens":10,"messages":[{"role":"user","content":"hello"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.False(record.Unpriced);
        Assert.Equal((100 * 1m + 10 * 2m) / 1_000_000m, record.TotalCost);
    }

    [Fact]
    public async Task Chat_UnknownModelNoProviderLists_StillModelNotFound404()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "10", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Raw("""{"model":"gpt-4o-2099-preview","messages":[{"role":"user","content":"hello"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model_not_found", (await AdminKeysTests.ReadErrorAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Chat_EscapedModelName_HeldAndBilledAsTheModelTheProviderReads()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions",
            Raw("""{"\u006dodel":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"hello"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal("gpt-4o", record.Model);
        Assert.False(record.Unpriced);
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o-mini","\u006dodel":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"hello"}]}""", "\"model\" more than once")]
    [InlineData("""{"model":"gpt-4o-mini","model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"hello"}]}""", "\"model\" more than once")]
    [InlineData("""{"model":"gpt-4o-mini","max_tokens":10,"\u006dax_tokens":100000,"messages":[{"role":"user","content":"hello"}]}""", "\"max_tokens\" more than once")]
    [InlineData("""{"model":"gpt-4o-mini","n":1,"n":8,"max_tokens":10,"messages":[{"role":"user","content":"hello"}]}""", "\"n\" more than once")]
    public async Task Chat_DuplicateField_Returns400AndNothingForwarded(string body, string expected)
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Raw(body), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await AdminKeysTests.ReadErrorAsync(response)).GetProperty("message").GetString());
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task Chat_InvalidUtf8_Returns400AndNothingForwarded()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        var body = Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini","max_tokens":10,"messages":[{"role":"user","content":"hello X"}]}""");
        body[Array.IndexOf(body, (byte)'X')] = 0xC3; // a lead byte with no continuation
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync("/v1/chat/completions", content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", (await AdminKeysTests.ReadErrorAsync(response)).GetProperty("message").GetString());
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Theory]
    [InlineData("""{"prompt_tokens":5,"completion_tokens":10000000000000000,"total_tokens":10000000000000005}""", UsageCheck.ImplausibleClass)]
    [InlineData("""{"prompt_tokens":5,"completion_tokens":1e16,"total_tokens":5}""", UsageCheck.MalformedClass)]
    [InlineData("""{"prompt_tokens":5,"completion_tokens":-300,"total_tokens":5}""", UsageCheck.MalformedClass)]
    [InlineData("""{"prompt_tokens":5,"completion_tokens":12.5,"total_tokens":5}""", UsageCheck.MalformedClass)]
    [InlineData("""{"prompt_tokens":"5","completion_tokens":"300","total_tokens":"305"}""", UsageCheck.MalformedClass)]
    [InlineData("""{"prompt_tokens":5,"completion_tokens":20000000,"total_tokens":20000005}""", UsageCheck.ImplausibleClass)]
    public async Task Chat_BadProviderUsage_BilledFromOwnCountFlaggedAndRecorded(string usage, string errorClass)
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.UsageJson = usage;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "1", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Raw("""{"model":"gpt-4o-mini","max_tokens":100,"messages":[{"role":"user","content":"hello"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("true", response.Headers.GetValues("x-tollgate-cost-estimated").Single());
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.True(record.Estimated);
        Assert.True(record.Success);
        Assert.Equal(errorClass, record.ErrorClass);
        Assert.False(record.Unpriced);
        // Tollgate's own count: the prompt as counted, the answer's text ("Hello from the fake upstream.") as counted.
        Assert.InRange(record.Usage.OutputTokens, 3, 20);
        Assert.InRange(record.Usage.InputTokens, 1, 40);
        Assert.True(record.TotalCost is > 0m and < 0.0001m, $"billed {record.TotalCost}");
        Assert.Equal(record.TotalCost, decimal.Parse(response.Headers.GetValues("x-tollgate-cost").Single(), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task ChatStream_ImplausibleProviderUsage_BilledFromCountedStreamAndRecorded()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.UsageJson = """{"prompt_tokens":5,"completion_tokens":10000000000000000,"total_tokens":10000000000000005}""";
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Raw("""{"model":"gpt-4o-mini","stream":true,"max_tokens":100,"messages":[{"role":"user","content":"hello"}]}"""), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("[DONE]", text);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.True(record.Estimated);
        Assert.Equal(UsageCheck.ImplausibleClass, record.ErrorClass);
        Assert.InRange(record.Usage.OutputTokens, 3, 20);
    }
}
