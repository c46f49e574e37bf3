using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Forwarding;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// Default durability: the moment a client holds the answer — a JSON body, or a stream's last event — its ledger record
/// is already in the store (read here without any flush).
/// </summary>
public sealed class DurableLedgerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ChatCompletion_DefaultDurability_RecordStoredBeforeTheAnswer()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        // Several calls in a row, each checked at once: a record written after the answer would be missing for some.
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.PostAsync("/v1/chat/completions", Raw("""{"model":"gpt-4o-mini","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}"""), Ct);
            await response.Content.ReadAsStringAsync(Ct);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.NotNull(await StoredAsync(gateway, response));
        }
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o-mini","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}""", "data: [DONE]")]
    [InlineData("/v1/messages", """{"model":"claude-haiku-4-5","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}""", "event: message_stop")]
    [InlineData("/v1/responses", """{"model":"gpt-4o-mini","max_output_tokens":50,"stream":true,"input":"hi"}""", "event: response.completed")]
    public async Task Stream_DefaultDurability_LastEventArrivesAfterTheRecordIsStored(string path, string body, string lastEvent)
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.ChunkDelay = TimeSpan.FromMilliseconds(5);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Raw(body) };
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var seen = false;
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            if (line == lastEvent)
            {
                // The stream's end is in the client's hands now: the record must already be stored.
                Assert.NotNull(await StoredAsync(gateway, response));
                seen = true;
                break;
            }
        }

        Assert.True(seen, $"the stream never sent '{lastEvent}'");
    }

    [Fact]
    public async Task Start_SpoolLeftByACrashedInstance_ReplayedIntoTheLedgerBeforeServing()
    {
        // What an instance spooled while its store was away, then died: the next start on the folder stores it, once.
        var data = Path.Combine(Path.GetTempPath(), "tg-spool-" + Guid.NewGuid().ToString("N"));
        var spooled = new UsageRecord
        {
            RequestId = "req-spooled-before-the-crash",
            Timestamp = DateTimeOffset.UtcNow.AddMinutes(-1),
            Provider = "openai",
            Model = "gpt-4o-mini",
            Tenant = "acme",
            Usage = new Tollgate.Costing.Usage { InputTokens = 10, OutputTokens = 5 },
            TotalCost = 0.0000045m,
            OutputCost = 0.000003m,
            InputCost = 0.0000015m,
            Success = true,
        };
        try
        {
            await new LedgerSpool(Path.Combine(data, "ledger-spool", "0.jsonl")).AppendAsync([spooled], Ct);

            await using var gateway = await TestGateway.StartAsync((options, _) =>
            {
                options.DataDirectory = data;
                options.Store = "sqlite:" + Path.Combine(data, "tollgate.db");
            });

            var stored = await gateway.Host.Services.GetRequiredService<ILedgerStore>().FindAsync(new LedgerKey(spooled.RequestId, 1), Ct);
            Assert.NotNull(stored);
            Assert.Equal(spooled.TotalCost, stored.TotalCost);
            Assert.Equal(0, new FileInfo(Path.Combine(data, "ledger-spool", "0.jsonl")).Length);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void Validate_UnknownLedgerDurability_SaysWhatToUse()
    {
        var errors = new GatewayOptions { LedgerDurability = "fast" }.Validate(_ => null);

        Assert.Contains(errors, e => e.Contains("ledgerDurability 'fast'", StringComparison.Ordinal) && e.Contains("durable", StringComparison.Ordinal) && e.Contains("relaxed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("data: [DONE]\n\n", true)]
    [InlineData("data:[DONE]\r\n\r\n", true)]
    [InlineData("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", true)]
    [InlineData("data: {\"type\": \"message_stop\"}\n\n", true)]
    [InlineData("event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{}}\n\n", true)]
    [InlineData("data: {\"type\":\"response.incomplete\"}\n\n", true)]
    [InlineData("data: {\"choices\":[{\"delta\":{\"content\":\"data: [DONE]\"}}]}\n\n", false)]
    [InlineData("data: {\"delta\":{\"text\":\"\\\"type\\\":\\\"message_stop\\\"\"}}\n\n", false)]
    [InlineData("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"message_stop\"}}\n\n", false)]
    [InlineData("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"response.completed\"}\n\n", false)]
    public void IsLastEvent_Event_OnlyAStreamsEnd(string evt, bool last) =>
        Assert.Equal(last, SseRelay.IsLastEvent(Encoding.UTF8.GetBytes(evt)));

    private static async Task<UsageRecord?> StoredAsync(TestGateway gateway, HttpResponseMessage response) =>
        await gateway.Host.Services.GetRequiredService<ILedgerStore>().FindAsync(new LedgerKey(response.Headers.GetValues("x-tollgate-request-id").Single(), 1), Ct);

    private static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");
}
