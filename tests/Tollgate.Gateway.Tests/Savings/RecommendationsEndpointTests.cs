using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
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
}
