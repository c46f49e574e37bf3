using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Savings;

/// <summary><c>GET /admin/recommendations</c> over calls made through the gateway: the saving computed by hand from catalog prices.</summary>
public sealed class RecommendationsEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Recommendations_Gpt4oCalls_CheaperModelWithItsSaving()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.PromptTokens = 1200;
        gateway.Upstream.CompletionTokens = 300;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.PostAsync("/v1/chat/completions",
                new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var doc = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/recommendations?min_saving=0.01", Ct));
        using var refused = await gateway.Admin.GetAsync("/admin/recommendations?min_saving=-1", Ct);
        using var notAdmin = await client.GetAsync("/admin/recommendations", Ct);

        // gpt-4o: 1200 × 2.5 + 300 × 10 per M = 0.006 a call; gpt-5-mini (tier 4 too): 1200 × 0.25 + 300 × 2 per M = 0.0009.
        var all = doc.RootElement.GetProperty("recommendations").EnumerateArray().ToList();
        var first = all.Single(r => r.GetProperty("kind").GetString() == "cheaper_model");
        Assert.Equal("openai/gpt-5-mini", first.GetProperty("evidence").GetProperty("alternative").GetString());
        Assert.Equal(10 * (0.006m - 0.0009m), decimal.Parse(first.GetProperty("saving_usd").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(85m, first.GetProperty("saving_percent").GetDecimal());
        // The ten calls are one request asked ten times (the door recorded their fingerprints): nine repeats a cache would answer.
        var cache = all.Single(r => r.GetProperty("kind").GetString() == "response_cache");
        Assert.Equal("9", cache.GetProperty("evidence").GetProperty("repeats").GetString());
        Assert.Equal(9 * 0.006m, decimal.Parse(cache.GetProperty("saving_usd").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, notAdmin.StatusCode);
    }

    [Fact]
    public async Task Recommendations_Latest_ServesTheBackgroundResultUntilItIsRecomputed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var gateway = await TestGateway.StartAsync(settings: new GatewayHostSettings { Time = time, LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning });
        gateway.Upstream.PromptTokens = 1200;
        gateway.Upstream.CompletionTokens = 300;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        async Task CallAsync(int times)
        {
            for (var i = 0; i < times; i++)
            {
                using var response = await client.PostAsync("/v1/chat/completions",
                    new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            time.Advance(TimeSpan.FromSeconds(1));
        }

        async Task<(string ComputedAt, string From, decimal Saving)> LatestAsync(string extra = "")
        {
            using var doc = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/recommendations?latest=1&min_saving=0.01" + extra, Ct));
            var root = doc.RootElement;
            var cheaper = root.GetProperty("recommendations").EnumerateArray().Single(r => r.GetProperty("kind").GetString() == "cheaper_model");
            return (root.GetProperty("computed_at").GetString()!, root.GetProperty("from").GetString()!,
                decimal.Parse(cheaper.GetProperty("saving_usd").GetString()!, CultureInfo.InvariantCulture));
        }

        const decimal PerCall = 0.006m - 0.0009m;   // gpt-4o against gpt-5-mini, as above
        await CallAsync(10);
        var first = await LatestAsync();
        await CallAsync(10);
        var cached = await LatestAsync();
        time.Advance(TimeSpan.FromMinutes(61));     // past the refresh interval: the background recomputes
        var recomputed = cached;
        for (var i = 0; i < 200 && recomputed.ComputedAt == first.ComputedAt; i++)
        {
            await Task.Delay(50, Ct);
            recomputed = await LatestAsync();
        }

        await CallAsync(5);
        var refreshed = await LatestAsync("&refresh=1");
        using var filtered = await gateway.Admin.GetAsync("/admin/recommendations?latest=1&tenant=acme", Ct);

        Assert.Equal(("2026-12-01T09:00:01Z", "2026-11-01T09:00:01Z", 10 * PerCall), first);
        Assert.Equal(first, cached);
        Assert.Equal(("2026-12-01T10:01:02Z", 20 * PerCall), (recomputed.ComputedAt, recomputed.Saving));
        Assert.Equal(25 * PerCall, refreshed.Saving);
        Assert.Equal(HttpStatusCode.BadRequest, filtered.StatusCode);
        Assert.Contains("tenant", await filtered.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
