using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Tollgate.Gateway.Tests.Admin;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Metering;

namespace Tollgate.Gateway.Tests.Proxy;

/// <summary><c>POST /v1/responses</c> (the OpenAI Responses API) through the same metering as chat: holds, costs, one record.</summary>
public sealed class ResponsesApiTests
{
    // gpt-4o-mini, 1200 input tokens (200 cached) and 300 output tokens: (1000 × 0.15 + 200 × 0.075 + 300 × 0.60) / 1M.
    private const decimal CallCost = ((1000 * 0.15m) + (200 * 0.075m) + (300 * 0.60m)) / 1_000_000m;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Responses_Json_ForwardedBilledFromItsUsageAndRecorded()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.CachedTokens = 200;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/responses",
            Raw("""{"model":"gpt-4o-mini","instructions":"Be brief.","input":"Say hello.","max_output_tokens":300}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("response", body.RootElement.GetProperty("object").GetString());
        Assert.Equal(CallCost, decimal.Parse(response.Headers.GetValues("x-tollgate-cost").Single(), CultureInfo.InvariantCulture));
        Assert.EndsWith("/v1/responses", gateway.Upstream.Requests.Single().Path, StringComparison.Ordinal);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal("responses", record.ApiFlavor);
        Assert.Equal(CallCost, record.TotalCost);
        Assert.Equal(200, record.Usage.CacheReadTokens);
        Assert.False(record.Estimated);
    }

    [Fact]
    public async Task Responses_Stream_CostInResponseCompletedAndRecorded()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.CachedTokens = 200;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/responses",
            Raw("""{"model":"gpt-4o-mini","input":[{"role":"user","content":"Say hello."}],"stream":true,"max_output_tokens":300}"""), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var completed = text.Split("\n\n").Single(e => e.StartsWith("event: response.completed", StringComparison.Ordinal));
        using var payload = JsonDocument.Parse(completed[(completed.IndexOf("data: ", StringComparison.Ordinal) + 6)..]);
        var tollgate = payload.RootElement.GetProperty("tollgate");
        Assert.Equal(CallCost, decimal.Parse(tollgate.GetProperty("cost").GetString()!, CultureInfo.InvariantCulture));
        // No stream_options added: the Responses API has none, and always ends with its usage.
        Assert.DoesNotContain("stream_options", gateway.Upstream.Requests.Single().Body, StringComparison.Ordinal);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal(CallCost, record.TotalCost);
        Assert.False(record.Estimated);
    }

    [Fact]
    public async Task Responses_StreamCutOff_BilledFromCountedDeltasFlaggedEstimated()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.CutStreamAfterChunks = 3;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/responses", Raw("""{"model":"gpt-4o-mini","input":"Say hello.","stream":true,"max_output_tokens":300}"""), Ct);
        try
        {
            await response.Content.ReadAsStringAsync(Ct);
        }
        catch (HttpRequestException)
        {
        }
        catch (IOException)
        {
        }

        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.True(record.Estimated);
        Assert.Equal("cut_off", record.ErrorClass);
        Assert.InRange(record.Usage.OutputTokens, 1, 10);
    }

    [Fact]
    public async Task Responses_MaxOutputTokensAboveHardBudget_Refused429()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.001", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/responses", Raw("""{"model":"gpt-4o-mini","input":"Say hello.","max_output_tokens":10000}"""), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("budget_exceeded", (await AdminKeysTests.ReadErrorAsync(response)).GetProperty("code").GetString());
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task Responses_AdaptiveBudget_AddsMaxOutputTokensThatFit()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.001", currency = "USD", period = "daily", enforcement = "adaptive" });
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/responses", Raw("""{"model":"gpt-4o-mini","input":"Say hello."}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("max_output_tokens=", response.Headers.GetValues("x-tollgate-adapted").Single(), StringComparison.Ordinal);
        using var sent = JsonDocument.Parse(gateway.Upstream.Requests.Single().Body);
        Assert.InRange(sent.RootElement.GetProperty("max_output_tokens").GetInt32(), 1_500, 1_666);
    }

    [Fact]
    public async Task Responses_ImplausibleUsage_BilledFromOwnCount()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.UsageJson = """{"input_tokens":5,"output_tokens":10000000000000000,"total_tokens":5}""";
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/responses", Raw("""{"model":"gpt-4o-mini","input":"Say hello.","max_output_tokens":100}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal(UsageCheck.ImplausibleClass, record.ErrorClass);
        Assert.InRange(record.Usage.OutputTokens, 3, 20);
    }

    [Fact]
    public async Task Responses_MissingInput_Returns400()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/responses", Raw("""{"model":"gpt-4o-mini"}"""), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("missing_input", (await AdminKeysTests.ReadErrorAsync(response)).GetProperty("code").GetString());
    }
}
