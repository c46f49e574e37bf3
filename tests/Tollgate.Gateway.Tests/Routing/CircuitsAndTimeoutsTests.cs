using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Routing;

namespace Tollgate.Gateway.Tests.Routing;

/// <summary>
/// Circuits per provider model, 429 as back-pressure, and the connect / first-byte / idle / total timeouts on the
/// passthrough and translated paths, over real HTTP against scripted providers on 127.0.0.1.
/// </summary>
public sealed class CircuitsAndTimeoutsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat(string model, bool stream = false) =>
        CostTests.Json(new { model, max_tokens = 50, stream, messages = new[] { new { role = "user", content = "hello there, how are you today?" } } });

    private static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("x-tollgate-request-id").Single();

    /// <summary>A gateway whose only provider is <paramref name="upstream"/> as <c>openai</c>, with the timeouts given.</summary>
    private static Task<TestGateway> OnlyAsync(ScriptedUpstream upstream, Action<ProviderEndpointOptions>? provider = null, Action<GatewayOptions>? more = null) =>
        TestGateway.StartAsync((o, _) =>
        {
            var openai = new ProviderEndpointOptions { Name = "openai", BaseUrl = upstream.OpenAiBase.ToString(), ApiKey = "sk-x" };
            provider?.Invoke(openai);
            o.Providers = [openai];
            o.Fallback = new FallbackOptions { MaxAttemptsPerCandidate = 1, UseJitter = false };
            more?.Invoke(o);
        });

    [Fact]
    public async Task Chat_OneModelFailsFiveTimes_OnlyThatModelsCircuitOpens()
    {
        await using var upstream = await ScriptedUpstream.StartAsync((context, model) =>
        {
            if (model == "gpt-4o")
            {
                context.Response.StatusCode = 503;
                return context.Response.WriteAsync("""{"error":{"message":"overloaded","type":"server_error"}}""");
            }

            return ScriptedUpstream.OkJsonAsync(context, model);
        });
        await using var gateway = await OnlyAsync(upstream);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        for (var i = 0; i < 5; i++)
        {
            using var failing = await client.PostAsync("/v1/chat/completions", Chat("openai/gpt-4o"), Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.StatusCode);
        }

        using var skipped = await client.PostAsync("/v1/chat/completions", Chat("openai/gpt-4o"), Ct);
        using var otherModel = await client.PostAsync("/v1/chat/completions", Chat("openai/gpt-4o-mini"), Ct);

        // gpt-4o's circuit is open (not called a sixth time); gpt-4o-mini on the same provider is served.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, skipped.StatusCode);
        Assert.Contains("circuit open", await skipped.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, otherModel.StatusCode);
        Assert.Equal(["gpt-4o", "gpt-4o", "gpt-4o", "gpt-4o", "gpt-4o", "gpt-4o-mini"], upstream.Models.ToArray());
    }

    [Fact]
    public async Task Chat_Upstream429WithRetryAfter_NextProviderAnswers_ModelSkippedUntilThen_NoHealthFailure()
    {
        await using var limited = await ScriptedUpstream.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "30";
            return context.Response.WriteAsync("""{"error":{"message":"slow down","type":"rate_limit_error"}}""");
        });
        await using var cerebras = await FakeUpstream.StartAsync();
        const string model = "gpt-oss-120b"; // openai (limited) is cheaper and chosen first; cerebras also serves it
        await using var gateway = await TestGateway.StartAsync((o, _) =>
        {
            o.Providers =
            [
                new ProviderEndpointOptions { Name = "cerebras", BaseUrl = cerebras.OpenAiBase.ToString(), ApiKey = "cb" },
                new ProviderEndpointOptions { Name = "openai", BaseUrl = limited.OpenAiBase.ToString(), ApiKey = "sk-x" },
            ];
        });
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var first = await client.PostAsync("/v1/chat/completions", Chat(model), Ct);
        using var second = await client.PostAsync("/v1/chat/completions", Chat(model), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("cerebras", first.Headers.GetValues("x-tollgate-provider").Single());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        // One call to the limited provider, no retry on it, none while its Retry-After runs.
        Assert.Equal(1, limited.RequestCount);
        Assert.Equal(2, cerebras.RequestCount);
        var health = gateway.Host.Services.GetRequiredService<HealthMonitor>();
        var snapshot = health.GetModel("openai", model);
        Assert.Equal(CircuitState.Closed, snapshot.Circuit);
        Assert.Equal(0, snapshot.ConsecutiveFailures);
        Assert.NotNull(health.ThrottledUntil("openai", model));
        var row = await gateway.LedgerRecordAsync(RequestId(first), 1);
        Assert.Equal(("openai", "http_429"), (row!.Provider, row.ErrorClass));
    }

    [Fact]
    public async Task Chat_OnlyProviderAnswers429_ClientGetsItWithRetryAfter()
    {
        await using var limited = await ScriptedUpstream.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "7";
            return context.Response.WriteAsync("""{"error":{"message":"slow down","type":"rate_limit_error"}}""");
        });
        await using var gateway = await OnlyAsync(limited);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions", Chat("openai/gpt-4o-mini"), Ct);

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Chat_UpstreamHangsBeforeHeaders_TimesOutAtFirstByteLimit_RecordedAndBilledEstimated()
    {
        await using var upstream = await ScriptedUpstream.StartAsync((context, _) => Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted));
        await using var gateway = await OnlyAsync(upstream, p => p.TimeoutSeconds = 1);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsync("/v1/chat/completions", Chat("openai/gpt-4o-mini"), Ct);
        clock.Stop();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("time to first byte", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        var row = await gateway.LedgerRecordAsync(RequestId(response), 1);
        Assert.NotNull(row);
        Assert.Equal(("upstream_timeout", true, false), (row.ErrorClass, row.Estimated, row.Success));
        Assert.True(row.Usage.InputTokens > 0);
        Assert.True(row.TotalCost > 0m);
    }

    [Fact]
    public async Task ChatStream_UpstreamStallsBetweenChunks_IdleTimeoutEndsIt_BilledFromCount()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(async (context, model) =>
        {
            context.Response.ContentType = "text/event-stream";
            await ScriptedUpstream.EventAsync(context, ScriptedUpstream.Chunk(model, "The answer begins and then"));
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        });
        await using var gateway = await OnlyAsync(upstream, p => p.IdleTimeoutSeconds = 1);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsync("/v1/chat/completions", Chat("openai/gpt-4o-mini", stream: true), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        clock.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The answer begins", text, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        var row = await gateway.LedgerRecordAsync(RequestId(response), 1);
        Assert.Equal(("upstream_timeout", true), (row!.ErrorClass, row.Estimated));
        Assert.True(row.Usage.OutputTokens > 0, "the streamed text is counted");
    }

    [Fact]
    public async Task ChatStream_UpstreamTricklesForever_TotalTimeoutEndsIt()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(async (context, model) =>
        {
            context.Response.ContentType = "text/event-stream";
            while (true)
            {
                await ScriptedUpstream.EventAsync(context, ScriptedUpstream.Chunk(model, "more "));
                await Task.Delay(200, context.RequestAborted);
            }
        });
        await using var gateway = await OnlyAsync(upstream, p => (p.IdleTimeoutSeconds, p.TotalTimeoutSeconds) = (1, 2));
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsync("/v1/chat/completions", Chat("openai/gpt-4o-mini", stream: true), Ct);
        _ = await response.Content.ReadAsStringAsync(Ct);
        clock.Stop();

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.8), TimeSpan.FromSeconds(10));
        var row = await gateway.LedgerRecordAsync(RequestId(response), 1);
        Assert.Equal(("upstream_timeout", true), (row!.ErrorClass, row.Estimated));
    }

    [Fact]
    public async Task Chat_UpstreamStallsMidJsonBody_IdleTimeout_RecordedAsTimeout()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 400;
            await context.Response.WriteAsync("""{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"par""", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        });
        await using var gateway = await OnlyAsync(upstream, p => p.IdleTimeoutSeconds = 1);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsync("/v1/chat/completions", Chat("openai/gpt-4o-mini"), Ct);
        clock.Stop();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        var row = await gateway.LedgerRecordAsync(RequestId(response), 1);
        Assert.Equal(("upstream_timeout", true, false), (row!.ErrorClass, row.Estimated, row.Success));
        Assert.True(row.TotalCost > 0m);
    }

    [Fact]
    public async Task TranslatedChat_AnthropicHangsBeforeHeaders_TimesOut_RecordedAndBilledEstimated()
    {
        await using var upstream = await ScriptedUpstream.StartAsync((context, _) => Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted));
        await using var gateway = await TestGateway.StartAsync((o, _) =>
        {
            o.Providers = [new ProviderEndpointOptions { Name = "anthropic", BaseUrl = upstream.Address.ToString(), ApiKey = "sk-ant", TimeoutSeconds = 1 }];
            o.Fallback = new FallbackOptions { MaxAttemptsPerCandidate = 1 };
        });
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsync("/v1/chat/completions", Chat("claude-haiku-4-5"), Ct);
        clock.Stop();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        var row = await gateway.LedgerRecordAsync(RequestId(response), 1);
        Assert.Equal(("upstream_timeout", true), (row!.ErrorClass, row.Estimated));
    }

    [Fact]
    public async Task TranslatedChatStream_AnthropicStallsBetweenEvents_IdleTimeoutEndsIt()
    {
        await using var upstream = await ScriptedUpstream.StartAsync(async (context, model) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync($$$"""
                event: message_start
                data: {"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","model":"{{{model}}}","content":[],"usage":{"input_tokens":20,"output_tokens":1} } }

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Half an answer"}}


                """, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
        });
        await using var gateway = await TestGateway.StartAsync((o, _) =>
        {
            o.Providers = [new ProviderEndpointOptions { Name = "anthropic", BaseUrl = upstream.Address.ToString(), ApiKey = "sk-ant", IdleTimeoutSeconds = 1 }];
        });
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsync("/v1/chat/completions", Chat("claude-haiku-4-5", stream: true), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        clock.Stop();

        Assert.Contains("Half an answer", text, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        var row = await gateway.LedgerRecordAsync(RequestId(response), 1);
        Assert.Equal(("upstream_timeout", true), (row!.ErrorClass, row.Estimated));
    }

    [Fact]
    public async Task Config_TimeoutsPerProvider_ReadFromGatewayJson()
    {
        var options = GatewayConfiguration.Load(Write("""
            {"providers": [{"name": "openai", "baseUrl": "http://127.0.0.1:9/v1", "apiKey": "k",
              "timeoutSeconds": 3, "connectTimeoutSeconds": 1.5, "idleTimeoutSeconds": 4, "totalTimeoutSeconds": 30}]}
            """));

        var p = options.Providers.Single();
        Assert.Equal((3d, 1.5d, 4d, 30d), (p.TimeoutSeconds, p.ConnectTimeoutSeconds, p.IdleTimeoutSeconds, p.TotalTimeoutSeconds));
    }

    private static string Write(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), "tg-timeouts-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }
}
