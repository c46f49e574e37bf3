using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Analytics;

/// <summary>
/// Tags and sessions set with headers reach the ledger; the analytics breakdown over HTTP (admin: every key; a virtual
/// key: its own only); bad input is a 400 in OpenAI's error shape. Figures computed by hand from the catalog price.
/// </summary>
public sealed class AnalyticsEndpointTests
{
    // gpt-4o-mini: input 0.15, cached input 0.075, output 0.60 USD per million tokens; fake usage 1200 prompt
    // tokens (200 cached) and 300 completion tokens.
    private const decimal CallCost = ((1000 * 0.15m) + (200 * 0.075m) + (300 * 0.60m)) / 1_000_000m; // 0.000345

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<TestGateway> StartAsync()
    {
        var gateway = await TestGateway.StartAsync();
        gateway.Upstream.PromptTokens = 1200;
        gateway.Upstream.CachedTokens = 200;
        gateway.Upstream.CompletionTokens = 300;
        return gateway;
    }

    private static async Task<HttpResponseMessage> ChatAsync(HttpClient client, string? tags, string? session = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        if (tags is not null)
        {
            request.Headers.Add("x-tollgate-tags", tags);
        }

        if (session is not null)
        {
            request.Headers.Add("x-tollgate-session", session);
        }

        return await client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task Breakdown_ByTagFromHeaders_AdminSeesAllAndKeySeesItsOwn()
    {
        await using var gateway = await StartAsync();
        var (_, keyA) = await gateway.CreateKeyAsync("acme", "p1", "alice");
        var (_, keyB) = await gateway.CreateKeyAsync("globex");
        using var a = gateway.ClientWithKey(keyA);
        using var b = gateway.ClientWithKey(keyB);
        using (var first = await ChatAsync(a, "feature=search, team=ml", "s-1"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var record = await gateway.LedgerRecordAsync(first.Headers.GetValues("x-tollgate-request-id").Single());
            Assert.Equal("s-1", record!.SessionId);
            Assert.Equal(new Dictionary<string, string> { ["feature"] = "search", ["team"] = "ml" }, record.Tags);
        }

        (await ChatAsync(a, "feature=search")).Dispose();
        (await ChatAsync(a, "feature=chat")).Dispose();
        (await ChatAsync(b, "feature=search")).Dispose();
        (await ChatAsync(b, null)).Dispose();

        var all = CostReportJson.Parse(await gateway.Admin.GetStringAsync("/admin/analytics/breakdown?by=tag:feature", Ct));
        var own = CostReportJson.Parse(await a.GetStringAsync("/v1/tollgate/analytics/breakdown?by=tag:feature", Ct));
        var ml = CostReportJson.Parse(await gateway.Admin.GetStringAsync("/admin/analytics/breakdown?by=tenant&tag=team=ml", Ct));

        Assert.Equal(5 * CallCost, all.Total);
        Assert.Equal([("search", 3 * CallCost, 3L, 60m), ("(none)", CallCost, 1L, 20m), ("chat", CallCost, 1L, 20m)],
            all.Groups.Select(g => (g.Key, g.Cost, g.Requests, g.SharePercent)));
        Assert.Equal(3 * CallCost, own.Total);
        Assert.Equal([("search", 2 * CallCost), ("chat", CallCost)], own.Groups.Select(g => (g.Key, g.Cost)));
        // 0.000345 × 1000 / (1200 + 300) tokens = 0.00023 per 1k tokens; 1200 input of which 200 cached.
        Assert.Equal(0.00023m, own.Groups[0].CostPer1kTokens);
        Assert.Equal(400, own.Groups[0].CachedTokens);
        Assert.Equal([("acme", CallCost)], ml.Groups.Select(g => (g.Key, g.Cost)));
        using var trend = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/analytics/trend?bucket=hour&tag=feature=search", Ct));
        using var ownTrend = JsonDocument.Parse(await a.GetStringAsync("/v1/tollgate/analytics/trend?bucket=hour&tag=feature=search", Ct));
        Assert.Equal(3 * CallCost, decimal.Parse(trend.RootElement.GetProperty("total").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2 * CallCost, decimal.Parse(ownTrend.RootElement.GetProperty("total").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Compare_CachedCalls_AdminSeesSavingsOfAllAndKeyOnlyItsOwn()
    {
        await using var gateway = await StartAsync();
        var (_, keyA) = await gateway.CreateKeyAsync("acme");
        var (_, keyB) = await gateway.CreateKeyAsync("globex");
        using var a = gateway.ClientWithKey(keyA);
        using var b = gateway.ClientWithKey(keyB);
        for (var i = 0; i < 3; i++)
        {
            (await ChatAsync(a, null)).Dispose();
        }

        (await ChatAsync(b, null)).Dispose();
        (await ChatAsync(b, null)).Dispose();

        using var all = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/analytics/compare", Ct));
        using var own = JsonDocument.Parse(await a.GetStringAsync("/v1/tollgate/analytics/compare?by=provider", Ct));
        using var refused = await a.GetAsync("/v1/tollgate/analytics/compare?by=tenant", Ct);

        // 200 cached tokens per call read at 0.075 instead of 0.15 USD per million: 0.000015 saved per call.
        Assert.Equal("model", all.RootElement.GetProperty("by").GetString());
        var row = all.RootElement.GetProperty("rows")[0];
        Assert.Equal("gpt-4o-mini", row.GetProperty("key").GetString());
        Assert.Equal(5, row.GetProperty("requests").GetInt64());
        Assert.Equal((5 * CallCost).ToString(System.Globalization.CultureInfo.InvariantCulture), row.GetProperty("cost").GetString());
        Assert.Equal("0.000075", all.RootElement.GetProperty("cache_savings").GetProperty("net").GetString());
        Assert.Equal(0.1667m, row.GetProperty("cache_hit_rate").GetDecimal());
        Assert.Equal("0.000045", own.RootElement.GetProperty("cache_savings").GetProperty("net").GetString());
        Assert.Equal(3, own.RootElement.GetProperty("requests").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        var today = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var vsPrevious = CostReportJson.Parse(await gateway.Admin.GetStringAsync($"/admin/analytics/breakdown?by=tenant&from={today}&to={today}&compare=previous", Ct));
        using var bogus = await gateway.Admin.GetAsync($"/admin/analytics/breakdown?from={today}&to={today}&compare=last-year", Ct);
        using var open = await gateway.Admin.GetAsync("/admin/analytics/breakdown?compare=previous", Ct);
        Assert.Equal(0m, vsPrevious.PreviousTotal);
        Assert.Equal([("acme", 3 * CallCost, (decimal?)0m, (decimal?)null), ("globex", 2 * CallCost, 0m, null)],
            vsPrevious.Groups.Select(g => (g.Key, g.Cost, g.PreviousCost, g.ChangePercent)));
        Assert.Equal(HttpStatusCode.BadRequest, bogus.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, open.StatusCode);
    }

    [Fact]
    public async Task Compare_OneBerlinDayByModelKeyAndTag_PercentilesFromTheLatencyRollupsAsComputedByHand()
    {
        await using var gateway = await StartAsync();
        var ledger = gateway.Host.Services.GetRequiredService<ILedgerStore>();
        // Berlin's 5 October 2026 (CEST, +02:00) runs from 4 October 22:00 to 5 October 22:00 UTC.
        var start = new DateTimeOffset(2026, 10, 4, 22, 0, 0, TimeSpan.Zero);
        var calls = new (string Model, TimeSpan At, long LatencyMs, bool Success)[]
        {
            ("gpt-4o", TimeSpan.FromSeconds(-1), 5, true), // the day before in Berlin
            ("gpt-4o", TimeSpan.Zero, 250, true),
            ("gpt-4o", TimeSpan.FromMinutes(7.5), 40, true),
            ("gpt-4o", TimeSpan.FromHours(3), 120, true),
            ("gpt-4o", TimeSpan.FromHours(9), 3000, false), // failed: no latency counted
            ("gpt-4o", TimeSpan.FromHours(12.1), 90, true),
            ("gpt-4o", TimeSpan.FromHours(23.99), 100, true),
            ("gpt-4o-mini", TimeSpan.FromHours(1), 2000, true),
            ("gpt-4o-mini", TimeSpan.FromHours(20), 1000, true),
            ("gpt-4o-mini", TimeSpan.FromHours(24), 1, true), // the day after
        };
        await ledger.AppendAsync([.. calls.Select((c, i) => new UsageRecord
        {
            RequestId = $"lat-{i}",
            Timestamp = start + c.At,
            Provider = "openai",
            Model = c.Model,
            Usage = new Tollgate.Costing.Usage { InputTokens = 10, OutputTokens = 5 },
            TotalCost = 0.001m * (c.Model == "gpt-4o" ? 2 : 1),
            LatencyMs = c.LatencyMs,
            Success = c.Success,
            KeyId = c.Model == "gpt-4o" ? "key-a" : "key-b",
            // gpt-4o's calls carry feature=search but the 120 ms one (chat); gpt-4o-mini's none.
            Tags = c.Model != "gpt-4o" ? new Dictionary<string, string>() : new Dictionary<string, string> { ["feature"] = c.LatencyMs == 120 ? "chat" : "search" },
        })], Ct);

        using var doc = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/analytics/compare?by=model&from=2026-10-05&to=2026-10-05&tz=Europe/Berlin", Ct));
        // By key, and by model for one key: the same figures from the wide latency rollups.
        using var byKey = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/analytics/compare?by=key&from=2026-10-05&to=2026-10-05&tz=Europe/Berlin", Ct));
        using var oneKey = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/analytics/compare?by=model&key=key-b&from=2026-10-05&to=2026-10-05&tz=Europe/Berlin", Ct));
        // By a tag, and by model for one tag: from the tag latency rollups.
        using var byTag = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/analytics/compare?by=tag:feature&from=2026-10-05&to=2026-10-05&tz=Europe/Berlin", Ct));
        using var oneTag = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/analytics/compare?by=model&tag=feature=search&from=2026-10-05&to=2026-10-05&tz=Europe/Berlin", Ct));

        // gpt-4o: 40, 90, 100, 120, 250 ms. p50 = 3rd = 100 ms (exact below 128 ms); p95 = 5th = 250 ms, in bucket 250–251 ms.
        // gpt-4o-mini: 1000, 2000 ms. p50 = 1st = 1000 ms, in bucket 1000–1007 ms; p95 = 2nd = 2000 ms, in bucket 2000–2015 ms.
        var rows = doc.RootElement.GetProperty("rows").EnumerateArray()
            .Select(r => (r.GetProperty("key").GetString(), r.GetProperty("requests").GetInt64(), r.GetProperty("latency_p50_ms").GetInt64(), r.GetProperty("latency_p95_ms").GetInt64()))
            .ToList();
        Assert.Equal([("gpt-4o", 6L, 100L, 251L), ("gpt-4o-mini", 2L, 1007L, 2015L)], rows);
        Assert.False(doc.RootElement.TryGetProperty("note", out var note) && note.ValueKind == JsonValueKind.String);
        Assert.Equal([("key-a", 6L, 100L, 251L), ("key-b", 2L, 1007L, 2015L)], Rows(byKey));
        Assert.Equal([("gpt-4o-mini", 2L, 1007L, 2015L)], Rows(oneKey));
        Assert.False(byKey.RootElement.TryGetProperty("note", out var keyNote) && keyNote.ValueKind == JsonValueKind.String);
        // feature=search: 40, 90, 100, 250 ms and the failed call. p50 = 2nd = 90 ms; p95 = 4th = 250 ms (251). chat: 120 ms.
        // No feature (gpt-4o-mini's calls): as gpt-4o-mini above.
        Assert.Equal([("(none)", 2L, 1007L, 2015L), ("chat", 1L, 120L, 120L), ("search", 5L, 90L, 251L)], Rows(byTag).OrderBy(r => r.Item1, StringComparer.Ordinal));
        Assert.Equal([("gpt-4o", 5L, 90L, 251L)], Rows(oneTag));
        Assert.False(byTag.RootElement.TryGetProperty("note", out var tagNote) && tagNote.ValueKind == JsonValueKind.String);

        static List<(string?, long, long, long)> Rows(JsonDocument document) => [.. document.RootElement.GetProperty("rows").EnumerateArray()
            .Select(r => (r.GetProperty("key").GetString(), r.GetProperty("requests").GetInt64(), r.GetProperty("latency_p50_ms").GetInt64(), r.GetProperty("latency_p95_ms").GetInt64()))];
    }

    [Theory]
    [InlineData("feature", "x-tollgate-tags: tag 'feature' is not key=value")]
    [InlineData("bad key!=x", "x-tollgate-tags: tag key 'bad key!' is invalid")]
    [InlineData("a=1,a=2", "x-tollgate-tags: tag 'a' is given twice")]
    public async Task ChatCompletion_InvalidTagsHeader_Returns400InOpenAiShape(string tags, string message)
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await ChatAsync(client, tags);
        using var tooMany = await ChatAsync(client, string.Join(",", Enumerable.Range(0, 17).Select(i => $"k{i}=v")));
        using var longValue = await ChatAsync(client, "k=" + new string('v', 129));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var error = doc.RootElement.GetProperty("error");
        Assert.StartsWith(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_tags", error.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("17 tags given; at most 16", await tooMany.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, longValue.StatusCode);
        Assert.Empty(await gateway.LedgerRecordsAsync());
    }

    [Fact]
    public async Task ChatCompletion_MetadataAndUserInBody_RecordedAsTagsHeaderWins()
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"gpt-4o-mini","user":"end-user-7","metadata":{"feature":"from-body","team":"ml","bad key!":"x","long":"{{new string('v', 200)}}"},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-tollgate-tags", "feature=search");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await gateway.LedgerRecordAsync(response.Headers.GetValues("x-tollgate-request-id").Single());
        Assert.Equal(new Dictionary<string, string> { ["feature"] = "search", ["team"] = "ml", ["user"] = "end-user-7" }, record!.Tags);
        Assert.Contains("\"bad key!\"", gateway.Upstream.Requests.Last().Body, StringComparison.Ordinal); // forwarded as sent
    }

    [Fact]
    public async Task Messages_MetadataUserId_RecordedAsUserTag()
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/messages",
            new StringContent("""{"model":"claude-haiku-4-5","max_tokens":5,"metadata":{"user_id":"u-42"},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await gateway.LedgerRecordAsync(response.Headers.GetValues("x-tollgate-request-id").Single());
        Assert.Equal(new Dictionary<string, string> { ["user"] = "u-42" }, record!.Tags);
    }

    [Theory]
    [InlineData(17, 8, "metadata: at most 16 key-value pairs")]
    [InlineData(1, 513, "metadata.k0: a value is at most 512 characters")]
    public async Task ChatCompletion_MetadataPastProviderLimits_Returns400NotForwarded(int pairs, int valueLength, string message)
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        var metadata = string.Join(",", Enumerable.Range(0, pairs).Select(i => $"\"k{i}\":\"{new string('v', valueLength)}\""));

        using var response = await client.PostAsync("/v1/chat/completions",
            new StringContent($$"""{"model":"gpt-4o-mini","metadata":{{{metadata}}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.StartsWith(message, doc.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_tags", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, gateway.Upstream.RequestCount);
        Assert.Empty(await gateway.LedgerRecordsAsync());
    }

    [Theory]
    [InlineData("/admin/analytics/breakdown?by=colour", "by: unknown dimension 'colour'")]
    [InlineData("/admin/analytics/breakdown?tz=Mars/Olympus", "tz 'Mars/Olympus' is not a known time zone")]
    [InlineData("/admin/analytics/breakdown?from=2026-11-23&to=2026-11-21", "from is not before to")]
    [InlineData("/admin/analytics/breakdown?by=tag:colour", "no record in the range has the tag key 'colour'; tag keys present: feature")]
    [InlineData("/admin/analytics/breakdown?top=0", "top must be a positive whole number")]
    [InlineData("/admin/analytics/breakdown?tag=feature", "tag: tag filter 'feature' is not KEY=VALUE")]
    public async Task Breakdown_BadInput_Returns400SayingWhatToFix(string path, string message)
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        (await ChatAsync(client, "feature=search")).Dispose();

        using var response = await gateway.Admin.GetAsync(path, Ct);
        using var own = await client.GetAsync("/v1/tollgate/analytics/breakdown?by=tenant", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.StartsWith(message, doc.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, own.StatusCode);
        Assert.Contains("by for your own key", await own.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrendAndPatterns_OverHttp_SumToTheLedgerAndKeySeesOnlyItsOwn()
    {
        await using var gateway = await StartAsync();
        var (_, keyA) = await gateway.CreateKeyAsync("acme");
        var (_, keyB) = await gateway.CreateKeyAsync("globex");
        using var a = gateway.ClientWithKey(keyA);
        using var b = gateway.ClientWithKey(keyB);
        (await ChatAsync(a, null)).Dispose();
        (await ChatAsync(a, null)).Dispose();
        (await ChatAsync(b, null)).Dispose();
        var records = await gateway.LedgerRecordsAsync();
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kathmandu");
        var localHour = TimeZoneInfo.ConvertTime(records[0].Timestamp, zone).Hour;

        using var trend = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/analytics/trend?bucket=hour&tz=Asia/Kathmandu", Ct));
        using var own = JsonDocument.Parse(await a.GetStringAsync("/v1/tollgate/analytics/patterns?tz=Asia/Kathmandu", Ct));
        using var bad = await gateway.Admin.GetAsync("/admin/analytics/trend?bucket=fortnight", Ct);

        var points = trend.RootElement.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(3 * CallCost, decimal.Parse(trend.RootElement.GetProperty("total").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(3 * CallCost, points.Sum(p => decimal.Parse(p.GetProperty("cost").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.EndsWith("+05:45", points[^1].GetProperty("label").GetString(), StringComparison.Ordinal);
        Assert.Equal(2 * CallCost, decimal.Parse(own.RootElement.GetProperty("total").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(localHour, own.RootElement.GetProperty("peak_hours").EnumerateArray().Select(h => h.GetInt32()));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("bucket 'fortnight' is unknown", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TagFilterWithDimensionsAndZones_OverHttp_FiguresFromTheTagRollups()
    {
        await using var gateway = await StartAsync();
        var (_, keyA) = await gateway.CreateKeyAsync("acme");
        var (_, keyB) = await gateway.CreateKeyAsync("globex");
        using var a = gateway.ClientWithKey(keyA);
        using var b = gateway.ClientWithKey(keyB);
        (await ChatAsync(a, "feature=search")).Dispose();
        (await ChatAsync(a, "feature=search,team=ml")).Dispose();
        (await ChatAsync(a, "feature=chat")).Dispose();
        (await ChatAsync(b, "feature=search")).Dispose();
        (await ChatAsync(b, null)).Dispose();
        // Bounds inside a quarter hour: the rollups serve what lies between, raw records the edges.
        var now = TimeProvider.System.GetUtcNow();
        var range = $"from={now.AddMinutes(-67).AddSeconds(-7):yyyy-MM-ddTHH:mm:ssZ}&to={now.AddMinutes(3):yyyy-MM-ddTHH:mm:ssZ}";

        var byTenant = CostReportJson.Parse(await gateway.Admin.GetStringAsync($"/admin/analytics/breakdown?by=tenant&tag=feature=search&tz=Asia/Kolkata&{range}", Ct));
        var acmeModels = CostReportJson.Parse(await gateway.Admin.GetStringAsync($"/admin/analytics/breakdown?by=model&tag=feature=search&tenant=acme&{range}", Ct));
        var globexFeatures = CostReportJson.Parse(await gateway.Admin.GetStringAsync($"/admin/analytics/breakdown?by=tag:feature&tenant=globex&provider=openai&{range}", Ct));
        using var trend = JsonDocument.Parse(await gateway.Admin.GetStringAsync($"/admin/analytics/trend?bucket=hour&tag=feature=search&tenant=acme&tz=Pacific/Chatham&{range}", Ct));
        using var patterns = JsonDocument.Parse(await gateway.Admin.GetStringAsync($"/admin/analytics/patterns?tag=feature=search&tz=America/St_Johns&{range}", Ct));
        using var compare = JsonDocument.Parse(await gateway.Admin.GetStringAsync($"/admin/analytics/compare?by=tenant&tag=feature=search&{range}", Ct));

        Assert.Equal(3 * CallCost, byTenant.Total);
        Assert.Equal([("acme", 2 * CallCost, 2L), ("globex", CallCost, 1L)], byTenant.Groups.Select(g => (g.Key, g.Cost, g.Requests)));
        Assert.Equal([("gpt-4o-mini", 2 * CallCost, 2L)], acmeModels.Groups.Select(g => (g.Key, g.Cost, g.Requests)));
        // globex: one call tagged search and one untagged, which is "(none)".
        Assert.Equal([("(none)", CallCost), ("search", CallCost)], globexFeatures.Groups.Select(g => (g.Key, g.Cost)).OrderBy(g => g.Key, StringComparer.Ordinal));
        Assert.Equal(2 * CallCost, Money(trend.RootElement.GetProperty("total")));
        Assert.Equal(2 * CallCost, trend.RootElement.GetProperty("points").EnumerateArray().Sum(p => Money(p.GetProperty("cost"))));
        Assert.Equal(3 * CallCost, Money(patterns.RootElement.GetProperty("total")));
        Assert.Equal(3 * CallCost, patterns.RootElement.GetProperty("by_hour").EnumerateArray().Sum(h => Money(h.GetProperty("cost"))));
        Assert.Equal(["acme", "globex"], compare.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()));
        Assert.Equal(3, compare.RootElement.GetProperty("requests").GetInt64());

        static decimal Money(JsonElement e) => decimal.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }
}
