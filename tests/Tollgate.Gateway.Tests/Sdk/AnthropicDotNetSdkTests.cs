using System.Diagnostics;
using System.Text.Json;
using Anthropic;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Sdk;

/// <summary>
/// The official Anthropic .NET SDK at its default settings against a real gateway's <c>/v1/messages</c>. It obeys
/// <c>x-should-retry</c>: a budget refusal is raised at once, without the SDK's two retries.
/// </summary>
public sealed class AnthropicDotNetSdkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AnthropicClient DefaultClient(TestGateway gateway, string key) => new() { ApiKey = key, BaseUrl = gateway.Host.Address.ToString().TrimEnd('/') };

    private static MessageCreateParams Hello(string model = "claude-haiku-4-5") => new() { MaxTokens = 300, Messages = [new UserMessageParam("hello")], Model = model };

    [Fact]
    public async Task MessagesCreate_DefaultSettings_AnswerWithUsageAndRecorded()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        var message = await DefaultClient(gateway, key).Messages.Create(Hello(), Ct);

        Assert.Equal(300, message.Usage.OutputTokens);
        Assert.Equal("claude-haiku-4-5", message.Model.ToString().Trim('"'));
        Assert.True(Assert.Single(await gateway.LedgerRecordsAsync()).TotalCost > 0);
    }

    [Fact]
    public async Task MessagesCreateStreaming_DefaultSettings_EveryEventArrivesAndTheCallIsPriced()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        var events = 0;
        await foreach (var _ in DefaultClient(gateway, key).Messages.CreateStreaming(Hello(), Ct))
        {
            events++;
        }

        Assert.True(events >= 9, $"{events} events"); // start, block start, 6 deltas, block stop, message delta, stop
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal(300, record.Usage.OutputTokens);
    }

    [Fact]
    public async Task MessagesCreate_BudgetExhausted_RateLimitExceptionAtOnceWithBudgetDetails()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { id = "acme-daily", name = "acme daily", scope = new { tenant = "acme" }, limit = "0.000000001", currency = "USD", period = "daily", enforcement = "hard" });
        var client = DefaultClient(gateway, key);
        await client.Models.List(cancellationToken: Ct); // warm up: the clock measures the refused call only

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<AnthropicRateLimitException>(() => client.Messages.Create(Hello(), Ct));
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the refusal took {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(1, await OpenAiDotNetSdkTests.BudgetRefusalsAsync(gateway));
        using var body = JsonDocument.Parse(error.Body.ToString());
        var detail = body.RootElement.GetProperty("error");
        Assert.Equal("rate_limit_error", detail.GetProperty("type").GetString());
        Assert.Equal("budget_exceeded", detail.GetProperty("code").GetString());
        Assert.Equal("acme-daily", detail.GetProperty("budget").GetProperty("id").GetString());
        Assert.Empty(gateway.Upstream.Requests);
    }

    [Fact]
    public async Task MessagesCreate_UnknownModelOrBadKey_TheSdksOwnErrors()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        var notFound = await Assert.ThrowsAnyAsync<AnthropicServiceException>(() => DefaultClient(gateway, key).Messages.Create(Hello("no-such-model"), Ct));
        var unauthorized = await Assert.ThrowsAnyAsync<AnthropicServiceException>(() => DefaultClient(gateway, "tg-not-a-key").Messages.Create(Hello(), Ct));

        Assert.Contains("not_found_error", notFound.Type?.ToString());
        Assert.Contains("authentication_error", unauthorized.Type?.ToString());
    }
}
