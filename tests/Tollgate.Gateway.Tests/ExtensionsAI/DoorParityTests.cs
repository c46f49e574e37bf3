using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Tollgate.Budgets;
using Tollgate.Extensions.AI;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;
using Tollgate.Metering;

namespace Tollgate.Gateway.Tests.ExtensionsAI;

/// <summary>
/// The same scenario through both doors — the gateway over HTTP and the middleware through <see cref="IChatClient"/>,
/// on the gateway's own store — must end in the same decision and the same kind of ledger record, because both run
/// the one metering pipeline in core (<c>Tollgate.Metering</c>).
/// </summary>
public sealed class DoorParityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnpricedModelUnderHardBudget_BothDoorsRefuseAsUnpricedAndRecordNothing()
    {
        await using var doors = await Doors.StartAsync();
        var budgetId = await doors.Gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "10", currency = "USD", period = "daily", enforcement = "hard" });
        using var tenant = doors.Engine.BeginScope(tenant: "acme");

        using var response = await doors.Http.PostAsync("/v1/chat/completions",
            Json("""{"model":"openai/gpt-4o-2099-preview","max_tokens":10,"messages":[{"role":"user","content":"hello"}]}"""), Ct);
        var refused = await Assert.ThrowsAsync<TollgateBudgetExceededException>(
            () => doors.App("gpt-4o-2099-preview", new UsageDetails { InputTokenCount = 5, OutputTokenCount = 5 }).GetResponseAsync([new ChatMessage(ChatRole.User, "hello")], new ChatOptions { MaxOutputTokens = 10 }, Ct));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("model_unpriced", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(BudgetStrategy.RefusedUnpriced, refused.Decision.Strategy);
        Assert.Contains(budgetId, refused.Message, StringComparison.Ordinal);
        Assert.Contains(budgetId, error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, doors.Gateway.Upstream.RequestCount);
        Assert.Empty(await doors.RecordsAsync());
    }

    [Theory]
    [InlineData(10_000_000_000_000_000L, UsageCheck.ImplausibleClass)]
    [InlineData(20_000_000L, UsageCheck.ImplausibleClass)]
    [InlineData(-300L, UsageCheck.MalformedClass)]
    public async Task BadProviderUsage_BothDoorsBillTheirOwnCountFlaggedAlike(long outputTokens, string errorClass)
    {
        await using var doors = await Doors.StartAsync();
        await doors.Gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "1", currency = "USD", period = "daily", enforcement = "hard" });
        using var tenant = doors.Engine.BeginScope(tenant: "acme");
        doors.Gateway.Upstream.UsageJson = $$"""{"prompt_tokens":5,"completion_tokens":{{outputTokens}},"total_tokens":5}""";

        using var response = await doors.Http.PostAsync("/v1/chat/completions",
            Json("""{"model":"gpt-4o-mini","max_tokens":100,"messages":[{"role":"user","content":"hello"}]}"""), Ct);
        var answer = await doors.App("gpt-4o-mini", new UsageDetails { InputTokenCount = 5, OutputTokenCount = outputTokens })
            .GetResponseAsync([new ChatMessage(ChatRole.User, "hello")], new ChatOptions { MaxOutputTokens = 100 }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(InProcessModel.AnswerText, answer.Text);
        var records = await doors.RecordsAsync();
        Assert.Equal(2, records.Count);
        Assert.All(records, r =>
        {
            Assert.True(r.Success);
            Assert.True(r.Estimated);
            Assert.False(r.Unpriced);
            Assert.Equal(errorClass, r.ErrorClass);
            Assert.True(r.TotalCost is > 0m and < 0.0001m, $"billed {r.TotalCost}");
        });
        // The same answer text, counted by the same tokenizer in both doors.
        Assert.Equal(records[0].Usage.OutputTokens, records[1].Usage.OutputTokens);
    }

    [Fact]
    public async Task AdaptiveBudgetTooSmallForMaxOutput_BothDoorsClampTheOutputToWhatFits()
    {
        await using var doors = await Doors.StartAsync();
        await doors.Gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.005", currency = "USD", period = "daily", enforcement = "adaptive" });
        using var tenant = doors.Engine.BeginScope(tenant: "acme");
        doors.Gateway.Upstream.PromptTokens = 5;
        doors.Gateway.Upstream.CompletionTokens = 10;

        using var response = await doors.Http.PostAsync("/v1/chat/completions",
            Json("""{"model":"gpt-4o-mini","max_tokens":16000,"messages":[{"role":"user","content":"hello"}]}"""), Ct);
        var model = new InProcessModel("gpt-4o-mini", new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 });
        using var app = model.WithTollgate(doors.Engine);
        await app.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")], new ChatOptions { MaxOutputTokens = 16_000 }, Ct);

        // 0.005 at 0.60/M output pays for about 8 300 tokens: both doors send that instead of 16 000.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var header = response.Headers.GetValues("x-tollgate-adapted").Single();
        Assert.StartsWith("max_tokens=", header, StringComparison.Ordinal);
        var gatewayMax = int.Parse(header["max_tokens=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(gatewayMax, 8_000, 8_333);
        Assert.InRange(model.LastOptions!.MaxOutputTokens!.Value, 8_000, 8_333);
        Assert.Equal(2, (await doors.RecordsAsync()).Count);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(8, false)]
    public async Task SeveralCompletions_BothDoorsHoldNTimesTheOutput(int n, bool fits)
    {
        await using var doors = await Doors.StartAsync();
        // gpt-4o-mini output is $0.60/M: 1 000 tokens per completion hold $0.0006, eight of them $0.0048.
        await doors.Gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.003", currency = "USD", period = "daily", enforcement = "hard" });
        using var tenant = doors.Engine.BeginScope(tenant: "acme");

        using var response = await doors.Http.PostAsync("/v1/chat/completions",
            Json($$"""{"model":"gpt-4o-mini","max_tokens":1000,"n":{{n}},"messages":[{"role":"user","content":"hello"}]}"""), Ct);
        var app = doors.App("gpt-4o-mini", new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 });
        var options = new ChatOptions { MaxOutputTokens = 1000, AdditionalProperties = new() { ["n"] = n } };
        var refused = await Record.ExceptionAsync(() => app.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")], options, Ct));

        Assert.Equal(fits, response.IsSuccessStatusCode);
        if (fits)
        {
            Assert.Null(refused);
            Assert.Equal(2, (await doors.RecordsAsync()).Count);
        }
        else
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.IsType<TollgateBudgetExceededException>(refused);
            Assert.Equal(0, doors.Gateway.Upstream.RequestCount);
            Assert.Empty(await doors.RecordsAsync());
        }
    }

    [Fact]
    public async Task SameConversation_BothDoorsRecordTheSameFingerprints()
    {
        await using var doors = await Doors.StartAsync();
        var system = string.Concat(Enumerable.Repeat("You answer questions about the Tollgate handbook, chapter by chapter. ", 40));

        using var response = await doors.Http.PostAsync("/v1/chat/completions", Json($$"""
            {"temperature":0.70,"model":"gpt-4o-mini","max_tokens":200,"stream":false,"user":"u-1",
             "messages":[{"content":{{JsonSerializer.Serialize(system)}},"role":"system"},{"role":"user","content":[{"type":"text","text":"Where is \u00e9tape 3?"}]}]}
            """), Ct);
        await doors.App("gpt-4o-mini", new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 }).GetResponseAsync(
            [new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, "Where is étape 3?")],
            new ChatOptions { Temperature = 0.7f, MaxOutputTokens = 200 }, Ct);
        await doors.App("gpt-4o-mini", new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 }).GetResponseAsync(
            [new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, "And étape 4?")],
            new ChatOptions { Temperature = 0.7f, MaxOutputTokens = 200 }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var records = await doors.RecordsAsync();
        Assert.Equal(3, records.Count);
        var (gateway, middleware, other) = (records[0], records[1], records[2]);
        Assert.Matches("^[0-9a-f]{32}$", gateway.RequestFingerprint!);
        Assert.Equal(gateway.RequestFingerprint, middleware.RequestFingerprint);
        Assert.Equal(gateway.PrefixFingerprint, middleware.PrefixFingerprint);
        Assert.Equal(gateway.PrefixTokens, middleware.PrefixTokens);
        // The system prompt is the prefix: about 12 tokens a sentence, 40 times.
        Assert.InRange(gateway.PrefixTokens, 400, 600);
        // Another question on the same system prompt: another request, the same prefix.
        Assert.NotEqual(gateway.RequestFingerprint, other.RequestFingerprint);
        Assert.Equal(gateway.PrefixFingerprint, other.PrefixFingerprint);
    }

    [Fact]
    public async Task RequestFingerprintsOff_BothDoorsRecordNone()
    {
        await using var doors = await Doors.StartAsync(gateway: options => options.RequestFingerprints = false);
        var system = string.Concat(Enumerable.Repeat("You answer questions about the Tollgate handbook, chapter by chapter. ", 40));

        using var response = await doors.Http.PostAsync("/v1/chat/completions", Json($$"""
            {"model":"gpt-4o-mini","max_tokens":200,"messages":[{"role":"system","content":{{JsonSerializer.Serialize(system)}}},{"role":"user","content":"Where is step 3?"}]}
            """), Ct);
        await doors.App("gpt-4o-mini", new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 }, options => options.RequestFingerprints = false)
            .GetResponseAsync([new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, "Where is step 3?")], new ChatOptions { MaxOutputTokens = 200 }, Ct);
        await doors.App("gpt-4o-mini", new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 })
            .GetResponseAsync([new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, "Where is step 3?")], new ChatOptions { MaxOutputTokens = 200 }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var records = await doors.RecordsAsync();
        Assert.Equal(3, records.Count);
        foreach (var off in records.Take(2))
        {
            Assert.Null(off.RequestFingerprint);
            Assert.Null(off.PrefixFingerprint);
            Assert.Equal(0, off.PrefixTokens);
        }

        // The same call through a client left at the default still records them.
        Assert.Matches("^[0-9a-f]{32}$", records[2].RequestFingerprint!);
        Assert.NotNull(records[2].PrefixFingerprint);
    }

    [Fact]
    public async Task InvalidN_MiddlewareRefusesWithAClearError()
    {
        await using var doors = await Doors.StartAsync();
        var app = doors.App("gpt-4o-mini", new UsageDetails { InputTokenCount = 5, OutputTokenCount = 10 });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => app.GetResponseAsync(
            [new ChatMessage(ChatRole.User, "hello")], new ChatOptions { AdditionalProperties = new() { ["n"] = 500 } }, Ct));

        Assert.Contains("from 1 to 128", error.Message, StringComparison.Ordinal);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
