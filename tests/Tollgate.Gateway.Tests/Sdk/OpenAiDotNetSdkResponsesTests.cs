#pragma warning disable OPENAI001 // the Responses client is marked experimental in the OpenAI 2.x SDK
using System.ClientModel;
using OpenAI;
using OpenAI.Responses;
using Tollgate.Costing;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Pricing;

namespace Tollgate.Gateway.Tests.Sdk;

/// <summary>
/// <c>POST /v1/responses</c> through the official OpenAI .NET SDK's Responses client at its default settings, JSON and
/// streaming: the answer and usage reach the SDK, and the ledger holds the call at the catalog's price of that usage.
/// </summary>
public sealed class OpenAiDotNetSdkResponsesTests
{
    private const string Answer = "Hello from the fake upstream.";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ResponsesClient DefaultClient(TestGateway gateway, string key) =>
        new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(gateway.Host.Address, "v1") }).GetResponsesClient();

    private static CreateResponseOptions Options(bool stream)
    {
        var options = new CreateResponseOptions { Model = "gpt-4o-mini", MaxOutputTokenCount = 200, StreamingEnabled = stream };
        options.InputItems.Add(ResponseItem.CreateUserMessageItem("hello"));
        return options;
    }

    [Fact]
    public async Task CreateResponse_DefaultSettings_AnswerUsageAndLedgerCost()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        ResponseResult response = await DefaultClient(gateway, key).CreateResponseAsync(Options(stream: false), Ct);

        Assert.Equal(Answer, response.GetOutputText());
        Assert.Equal(1200, response.Usage.InputTokenCount);
        Assert.Equal(300, response.Usage.OutputTokenCount);
        AssertBilled(Assert.Single(await gateway.LedgerRecordsAsync()));
    }

    [Fact]
    public async Task CreateResponseStreaming_DefaultSettings_TextUsageAndLedgerCost()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        var text = new System.Text.StringBuilder();
        ResponseTokenUsage? usage = null;
        var updates = await DefaultClient(gateway, key).CreateResponseStreamingAsync(Options(stream: true), Ct);
        await foreach (var update in updates)
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
            else if (update is StreamingResponseCompletedUpdate completed)
            {
                usage = completed.Response.Usage;
            }
        }

        Assert.Equal(Answer, text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(1200, usage.InputTokenCount);
        AssertBilled(Assert.Single(await gateway.LedgerRecordsAsync()));
    }

    /// <summary>The record is the fake upstream's usage (1 200 in, 300 out) priced by the catalog, as <c>tollgate price</c> would.</summary>
    private static void AssertBilled(Tollgate.Ledger.UsageRecord record)
    {
        var usage = new Usage { InputTokens = 1200, OutputTokens = 300 };
        var expected = new CostEngine(PriceCatalog.BuiltIn).Calculate("openai", "gpt-4o-mini", usage, record.Timestamp);
        Assert.Equal("responses", record.ApiFlavor);
        Assert.Equal(1200, record.Usage.InputTokens);
        Assert.Equal(300, record.Usage.OutputTokens);
        Assert.True(expected.TotalCost > 0);
        Assert.Equal(expected.TotalCost, record.TotalCost);
    }
}
