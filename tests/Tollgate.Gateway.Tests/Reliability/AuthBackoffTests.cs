using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// A client that keeps failing authentication is made to wait, exponentially longer (429 with Retry-After), on the
/// gateway's clock; its valid keys keep working meanwhile, and the limiter's memory is bounded.
/// </summary>
public sealed class AuthBackoffTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat() => new("""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task RepeatedFailures_ExponentialRetryAfter_ValidKeyNotSlowed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var gateway = await TestGateway.StartAsync(
            (o, _) => o.AuthBackoff = new AuthBackoffOptions { FreeFailures = 3, BaseSeconds = 2, MaxSeconds = 8, WindowSeconds = 60 },
            new GatewayHostSettings { Time = time, LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning });
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var valid = gateway.ClientWithKey(key);
        using var wrong = gateway.ClientWithKey("tg-not-a-real-key-0000000000000000000000");
        Assert.Equal(HttpStatusCode.OK, (await valid.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);

        // Three free failures (a missing key counts too), then waits of 2, 4, 8, 8 s.
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Http.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/v1/models", Ct)).StatusCode);
        Assert.Equal(2, await RetryAfterAsync(wrong));
        Assert.Equal(2, await RetryAfterAsync(wrong));
        Assert.Equal(2, await RetryAfterAsync(gateway.Http, "/admin/keys"));

        // The client's valid key is served meanwhile, at once.
        using (var ok = await valid.PostAsync("/v1/chat/completions", Chat(), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(4, await RetryAfterAsync(wrong));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(8, await RetryAfterAsync(wrong));
        time.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(8, await RetryAfterAsync(wrong));

        // A minute after the last failure (and past the wait) the client starts afresh.
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        Assert.Equal(2, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task Backoff_AnthropicDoor_429InAnthropicShape()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.AuthBackoff = new AuthBackoffOptions { FreeFailures = 0, BaseSeconds = 30 });
        using var wrong = gateway.ClientWithKey("tg-wrong");

        using var response = await wrong.PostAsync("/v1/messages", new StringContent("""{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter!.Delta);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("error", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal("rate_limit_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public void Limiter_ManyClients_MemoryBoundedAndExpiredOnesPruned()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var limiter = new AuthFailureLimiter(new AuthBackoffOptions { FreeFailures = 0, BaseSeconds = 1, MaxSeconds = 1, WindowSeconds = 10, MaxClients = 100 }, time);

        for (var i = 0; i < 1000; i++)
        {
            limiter.RecordFailure(new IPAddress([10, 0, (byte)(i / 256), (byte)(i % 256)]));
        }

        Assert.Equal(100, limiter.Tracked);
        Assert.Null(limiter.BlockedFor(new IPAddress([10, 0, 3, 0])));
        Assert.NotNull(limiter.BlockedFor(new IPAddress([10, 0, 0, 5])));

        time.Advance(TimeSpan.FromSeconds(11));
        Assert.NotNull(limiter.RecordFailure(IPAddress.Parse("192.0.2.1")));
        Assert.Equal(1, limiter.Tracked);
    }

    private static async Task<int> RetryAfterAsync(HttpClient client, string path = "/v1/chat/completions")
    {
        using var response = path.StartsWith("/admin", StringComparison.Ordinal) ? await client.GetAsync(path, Ct) : await client.PostAsync(path, Chat(), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("false", response.Headers.GetValues("x-should-retry").Single());
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("auth_backoff", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
        return (int)response.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
    }
}
