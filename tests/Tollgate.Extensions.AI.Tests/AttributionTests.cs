using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI.Tests.Fakes;
using Tollgate.Extensions.AI.Tests.Infrastructure;

namespace Tollgate.Extensions.AI.Tests;

public sealed class AttributionTests
{
    [Fact]
    public async Task BeginScope_NestedScopes_CombineOnTheRecordAndKeepTotals()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = inner.WithTollgate(tollgate.Engine, o => o.Attribution = new TollgateAttribution { Project = "default-project" });

        TollgateScope outer;
        TollgateScope session;
        using (outer = tollgate.Engine.BeginScope(tenant: "t1", tags: new Dictionary<string, string> { ["team"] = "core", ["env"] = "prod" }))
        {
            using (session = tollgate.Engine.BeginScope(user: "u1", session: "s1", tags: new Dictionary<string, string> { ["feature"] = "search", ["env"] = "staging" }))
            {
                await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);
                await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);
                Assert.Same(session, TollgateScope.Current);
            }

            Assert.Same(outer, TollgateScope.Current);
            await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);
        }

        Assert.Null(TollgateScope.Current);
        var records = await tollgate.RecordsAsync();
        Assert.Equal(3, records.Count);
        var inSession = records.Where(r => r.SessionId == "s1").ToList();
        Assert.Equal(2, inSession.Count);
        Assert.All(inSession, r =>
        {
            Assert.Equal(("t1", "u1", "default-project"), (r.Tenant, r.User, r.Project));
            Assert.Equal(new Dictionary<string, string> { ["team"] = "core", ["env"] = "staging", ["feature"] = "search" }, r.Tags);
        });
        var outerOnly = Assert.Single(records, r => r.SessionId is null);
        Assert.Equal(("t1", null), (outerOnly.Tenant, outerOnly.User));

        // Each call: 100 in × 2.5/M + 20 out × 10/M = 0.00045.
        Assert.Equal(2, session.Totals.Requests);
        Assert.Equal(0.0009m, session.Totals.Cost);
        Assert.Equal(3, outer.Totals.Requests);
        Assert.Equal(0.00135m, outer.Totals.Cost);
        Assert.Equal(300, outer.Totals.InputTokens);
        Assert.Equal(60, outer.Totals.OutputTokens);
    }

    [Fact]
    public async Task GetResponseAsync_AdditionalProperties_OverrideTheScopeAndNeverReachTheProvider()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = inner.WithTollgate(tollgate.Engine);
        var options = new ChatOptions
        {
            AdditionalProperties = new()
            {
                [TollgatePropertyKeys.User] = "u-from-call",
                [TollgatePropertyKeys.Project] = "p1",
                [TollgatePropertyKeys.Tags] = "feature=chat, team=web",
                [TollgatePropertyKeys.RequestId] = "req-42",
            },
        };

        using (tollgate.Engine.BeginScope(user: "u-from-scope", tenant: "t1"))
        {
            await client.GetResponseAsync(Prompt.Messages(), options, Ct);
        }

        var record = await tollgate.SingleRecordAsync();
        Assert.Equal(("req-42", "t1", "u-from-call", "p1"), (record.RequestId, record.Tenant, record.User, record.Project));
        Assert.Equal(new Dictionary<string, string> { ["feature"] = "chat", ["team"] = "web" }, record.Tags);
        var seen = Assert.Single(inner.SeenOptions);
        Assert.True(seen!.AdditionalProperties is null || !seen.AdditionalProperties.Keys.Any(k => k.StartsWith("tollgate.", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task GetResponseAsync_MalformedTags_ThrowsSayingHowToWriteThem()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = inner.WithTollgate(tollgate.Engine);
        var options = new ChatOptions { AdditionalProperties = new() { [TollgatePropertyKeys.Tags] = "just-a-word" } };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Prompt.Messages(), options, Ct));

        Assert.Contains("key=value", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, inner.Calls);
    }

    [Fact]
    public async Task BeginScope_ParallelFlows_DoNotSeeEachOthersScope()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = inner.WithTollgate(tollgate.Engine);

        async Task CallAs(string user)
        {
            using var scope = tollgate.Engine.BeginScope(user: user);
            await Task.Yield();
            await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);
        }

        await Task.WhenAll(CallAs("a"), CallAs("b"), CallAs("c"));

        var users = (await tollgate.RecordsAsync()).Select(r => r.User).Order().ToList();
        Assert.Equal(["a", "b", "c"], users);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_InsideScope_RecordsTheScopeAndAddsToItsTotals()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = inner.WithTollgate(tollgate.Engine);

        using var scope = tollgate.Engine.BeginScope(tenant: "t-stream", session: "chat-7");
        await foreach (var _ in client.GetStreamingResponseAsync(Prompt.Messages(), cancellationToken: Ct))
        {
        }

        var record = await tollgate.SingleRecordAsync();
        Assert.Equal(("t-stream", "chat-7"), (record.Tenant, record.SessionId));
        Assert.Equal(1, scope.Totals.Requests);
        Assert.Equal(record.TotalCost, scope.Totals.Cost);
    }

    [Fact]
    public async Task GetResponseAsync_NoAttributionAnywhere_RecordsEmptyTagsNotNull()
    {
        await using var tollgate = new TestTollgate();
        using var client = new FakeChatClient("openai", "gpt-4o").WithTollgate(tollgate.Engine);

        await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);

        var record = await tollgate.SingleRecordAsync();
        Assert.NotNull(record.Tags);
        Assert.Empty(record.Tags);
        Assert.NotNull(TollgateAttribution.Empty.Tags);
    }
}
