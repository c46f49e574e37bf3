using System.Text.Json;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Tokens;

namespace Tollgate.Gateway.Tests.Streams;

/// <summary>A stream cut off by either side is billed from the tokens counted so far and flagged as estimated.</summary>
public sealed class CutOffStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stream_ProviderCutsOffBeforeUsage_BilledFromCountedTokensAndFlaggedEstimated()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.CutStreamAfterChunks = 3; // "Hello", " from", " the" then the connection drops
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/chat/completions",
            CostTests.Json(new { model = "gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = "Tell me a story" } } }), Ct);
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(Ct);
        }
        catch (HttpRequestException)
        {
            body = "";
        }

        Assert.DoesNotContain("[DONE]", body);
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.True(record.Estimated);
        Assert.False(record.Success);
        Assert.Equal("cut_off", record.ErrorClass);
        var expectedOutput = TiktokenEncoding.O200kBase.CountTokens("Hello from the");
        Assert.Equal(expectedOutput, record.Usage.OutputTokens);
        Assert.True(record.Usage.InputTokens > 0, "input tokens are counted from the prompt");
        var expectedCost = ((record.Usage.InputTokens * 0.15m) + (expectedOutput * 0.60m)) / 1_000_000m;
        Assert.Equal(expectedCost, record.TotalCost);
        Assert.True(record.TotalCost > 0);
    }

    [Fact]
    public async Task Stream_ClientGoesAway_AttemptBilledFromCountedTokens()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.ChunkDelay = TimeSpan.FromMilliseconds(150);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        // A client that closes its connection instead of draining the rest of the response.
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = gateway.Host.Address };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = CostTests.Json(new { model = "gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = "Tell me a story" } } }),
        };

        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct))
        await using (var stream = await response.Content.ReadAsStreamAsync(Ct))
        {
            var buffer = new byte[4096];
            var seen = "";
            while (!seen.Contains("\"content\":\"Hello\"", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, Ct);
                Assert.True(read > 0, "the stream should deliver chunks as they arrive; saw: " + seen);
                seen += System.Text.Encoding.UTF8.GetString(buffer, 0, read);
            }
        } // disposing the response aborts the connection mid-stream

        var records = await gateway.LedgerRecordsAsync();
        for (var i = 0; i < 50 && records.Count == 0; i++)
        {
            await Task.Delay(100, Ct);
            records = await gateway.LedgerRecordsAsync();
        }

        var record = Assert.Single(records);
        Assert.True(record.Estimated, $"error={record.ErrorClass} success={record.Success} usage={record.Usage} latency={record.LatencyMs}");
        Assert.Equal("cut_off", record.ErrorClass);
        Assert.True(record.Usage.OutputTokens >= 1);
        Assert.True(record.TotalCost > 0);
    }

    [Fact]
    public async Task Stream_ChunksArriveBeforeTheUpstreamFinishes()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.ChunkDelay = TimeSpan.FromMilliseconds(300);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = CostTests.Json(new { model = "gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = "hi" } } }),
        };
        var started = System.Diagnostics.Stopwatch.StartNew();

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var stream = await response.Content.ReadAsStreamAsync(Ct);
        var buffer = new byte[4096];
        var first = await stream.ReadAsync(buffer, Ct);
        var firstAt = started.Elapsed;
        while (await stream.ReadAsync(buffer, Ct) > 0)
        {
        }

        var total = started.Elapsed;
        Assert.True(first > 0);
        // Six chunks 300 ms apart: the first bytes must come long before the end (no buffering of the whole answer).
        Assert.True(total - firstAt > TimeSpan.FromMilliseconds(1000), $"first bytes at {firstAt}, end at {total}");
    }
}
