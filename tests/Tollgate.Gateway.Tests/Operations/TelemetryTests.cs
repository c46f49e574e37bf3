using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Operations;

/// <summary>OpenTelemetry-facing instruments use the GenAI semantic-convention names (what an OTLP exporter ships).</summary>
public sealed class TelemetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Chat_WithListeners_GenAiSpanAndMetricsCarryUsage()
    {
        var spans = new ConcurrentBag<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Tollgate.Gateway",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(activityListener);
        var tokenUsage = new ConcurrentBag<(long Value, Dictionary<string, object?> Tags)>();
        var durations = new ConcurrentBag<Dictionary<string, object?>>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Tollgate.Gateway")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "gen_ai.client.token.usage")
            {
                tokenUsage.Add((value, ToDictionary(tags)));
            }
        });
        meterListener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
        {
            if (instrument.Name == "gen_ai.client.operation.duration")
            {
                durations.Add(ToDictionary(tags));
            }
        });
        meterListener.Start();

        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("telemetry-tenant");
        using var response = await gateway.ClientWithKey(key).PostAsync("/v1/chat/completions",
            CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 20, messages = new[] { new { role = "user", content = "hi" } } }), Ct);
        var requestId = response.Headers.GetValues("x-tollgate-request-id").Single();

        // Settlement (metrics) and the end of the attempt's span come after the answer is written, so the client can
        // see the answer first: wait for them, then check them.
        var waited = Stopwatch.StartNew();
        while ((!spans.Any(s => (string?)s.GetTagItem("tollgate.request_id") == requestId) || tokenUsage.Count < 2 || durations.IsEmpty)
               && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20, Ct);
        }

        var span = Assert.Single(spans, s => (string?)s.GetTagItem("tollgate.request_id") == requestId);
        Assert.Equal("chat gpt-4o-mini", span.DisplayName);
        Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("openai", span.GetTagItem("gen_ai.system"));
        Assert.Equal("gpt-4o-mini", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal(1200L, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(300L, span.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Contains(tokenUsage, m => m.Value == 1200 && (string?)m.Tags["gen_ai.token.type"] == "input" && (string?)m.Tags["gen_ai.request.model"] == "gpt-4o-mini");
        Assert.Contains(tokenUsage, m => m.Value == 300 && (string?)m.Tags["gen_ai.token.type"] == "output" && (string?)m.Tags["gen_ai.system"] == "openai");
        Assert.Contains(durations, tags => (string?)tags["gen_ai.operation.name"] == "chat");
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var (name, value) in tags)
        {
            result[name] = value;
        }

        return result;
    }
}
