using System.Net;
using System.Text;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Fingerprints;

/// <summary>Every door records the request and prefix fingerprints: equal for equal requests, the prefix up to a cache breakpoint.</summary>
public sealed class FingerprintRecordTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<UsageRecord> CallAsync(TestGateway gateway, HttpClient client, string path, string body)
    {
        using var response = await client.PostAsync(path, Json(body), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await gateway.LedgerRecordAsync(response.Headers.GetValues("x-tollgate-request-id").Single()))!;
    }

    [Fact]
    public async Task Chat_SameRequestTwiceInAnotherMemberOrder_SameRequestFingerprint()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        var first = await CallAsync(gateway, client, "/v1/chat/completions", """{"model":"gpt-4o-mini","temperature":0.5,"messages":[{"role":"user","content":"hello"}]}""");
        var again = await CallAsync(gateway, client, "/v1/chat/completions", """{"messages":[{"content":"hello","role":"user"}],"temperature":0.50,"stream":false,"model":"gpt-4o-mini"}""");
        var hotter = await CallAsync(gateway, client, "/v1/chat/completions", """{"model":"gpt-4o-mini","temperature":0.9,"messages":[{"role":"user","content":"hello"}]}""");

        Assert.Matches("^[0-9a-f]{32}$", first.RequestFingerprint!);
        Assert.Equal(first.RequestFingerprint, again.RequestFingerprint);
        Assert.NotEqual(first.RequestFingerprint, hotter.RequestFingerprint);
        Assert.Null(first.PrefixFingerprint); // one message and no system or tools: nothing stable before it
    }

    [Fact]
    public async Task Messages_CacheControlOnSystem_PrefixEndsThereAcrossTurns()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        var manual = string.Concat(Enumerable.Repeat("Section text of the operator manual. ", 200));
        const string Tool = """{"name":"lookup","description":"Find a section","input_schema":{"type":"object","properties":{"id":{"type":"string"}}}}""";
        string Body(string history, string question) => $$$"""
            {"model":"claude-haiku-4-5","max_tokens":50,
             "tools":[{{{Tool}}}],
             "system":[{"type":"text","text":"{{{manual}}}","cache_control":{"type":"ephemeral"}}],
             "messages":[{{{history}}}{"role":"user","content":"{{{question}}}"}]}
            """;

        var first = await CallAsync(gateway, client, "/v1/messages", Body("", "What is in section 2?"));
        var second = await CallAsync(gateway, client, "/v1/messages", Body("""{"role":"user","content":"What is in section 2?"},{"role":"assistant","content":"Setup."},""", "And section 3?"));

        Assert.NotNull(first.PrefixFingerprint);
        Assert.Equal(first.PrefixFingerprint, second.PrefixFingerprint);
        Assert.NotEqual(first.RequestFingerprint, second.RequestFingerprint);
        // The tool definition and the manual: 200 × 7 o200k tokens, × 1.30 for Claude's tokenizer (an estimate).
        Assert.InRange(first.PrefixTokens, 1_800, 1_950);
        Assert.Equal(first.PrefixTokens, second.PrefixTokens);
    }

    [Fact]
    public async Task Embeddings_RecordARequestFingerprintAndNoPrefix()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        var a = await CallAsync(gateway, client, "/v1/embeddings", """{"model":"text-embedding-3-small","input":["alpha","beta"]}""");
        var b = await CallAsync(gateway, client, "/v1/embeddings", """{"input":["alpha","beta"],"model":"text-embedding-3-small"}""");

        Assert.Equal(a.RequestFingerprint, b.RequestFingerprint);
        Assert.NotNull(a.RequestFingerprint);
        Assert.Null(a.PrefixFingerprint);
    }
}
