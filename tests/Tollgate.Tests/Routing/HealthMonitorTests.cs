using Microsoft.Extensions.Time.Testing;
using Tollgate.Routing;

namespace Tollgate.Tests.Routing;

public sealed class HealthMonitorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero));

    private HealthMonitor Create(HealthOptions? options = null) =>
        new(options ?? new HealthOptions { ConsecutiveFailuresToOpen = 3, FailureRatioToOpen = 0.5, MinimumThroughput = 10, BreakDuration = TimeSpan.FromSeconds(30) }, _time);

    [Fact]
    public void Record_ConsecutiveFailures_OpensThenHalfOpensThenClosesOnSuccess()
    {
        var health = Create();
        health.Record("openai", "gpt-4o", false, TimeSpan.FromMilliseconds(100));
        health.Record("openai", "gpt-4o", false, TimeSpan.FromMilliseconds(100));
        Assert.Equal(CircuitState.Closed, health.GetModel("openai", "gpt-4o").Circuit);

        health.Record("openai", "gpt-4o", false, TimeSpan.FromMilliseconds(100));
        Assert.Equal(CircuitState.Open, health.GetModel("openai", "gpt-4o").Circuit);
        Assert.False(health.TryAcquire("openai", "gpt-4o"));

        // The circuit is the model's: the provider's other models are still served, and the provider figures never gate.
        Assert.True(health.TryAcquire("openai", "gpt-4o-mini"));
        Assert.Equal(CircuitState.Closed, health.GetProvider("openai").Circuit);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(CircuitState.Open, health.GetModel("openai", "gpt-4o").Circuit);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CircuitState.HalfOpen, health.GetModel("openai", "gpt-4o").Circuit);
        Assert.True(health.TryAcquire("openai", "gpt-4o"));
        Assert.False(health.TryAcquire("openai", "gpt-4o"));

        health.Record("openai", "gpt-4o", true, TimeSpan.FromMilliseconds(80));
        Assert.Equal(CircuitState.Closed, health.GetModel("openai", "gpt-4o").Circuit);
        Assert.True(health.TryAcquire("openai", "gpt-4o"));
    }

    [Fact]
    public void Record_HalfOpenProbeFails_OpensForAnotherBreak()
    {
        var health = Create();
        for (var i = 0; i < 3; i++)
        {
            health.Record("anthropic", "claude-haiku-4-5", false, TimeSpan.FromSeconds(1));
        }

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(health.TryAcquire("anthropic", "claude-haiku-4-5"));
        health.Record("anthropic", "claude-haiku-4-5", false, TimeSpan.FromSeconds(1));

        var snapshot = health.GetModel("anthropic", "claude-haiku-4-5");
        Assert.Equal(CircuitState.Open, snapshot.Circuit);
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), snapshot.OpenUntil);
    }

    [Fact]
    public void Record_FailureRatioOverMinimumThroughput_Opens()
    {
        var health = Create(new HealthOptions { ConsecutiveFailuresToOpen = 100, FailureRatioToOpen = 0.5, MinimumThroughput = 10, BreakDuration = TimeSpan.FromSeconds(30) });
        for (var i = 0; i < 8; i++)
        {
            // Alternating: never two failures in a row, but half of all calls fail.
            health.Record("groq", "llama-3.3-70b-versatile", i % 2 == 0, TimeSpan.FromMilliseconds(50));
        }

        Assert.Equal(CircuitState.Closed, health.GetModel("groq", "llama-3.3-70b-versatile").Circuit);
        health.Record("groq", "llama-3.3-70b-versatile", true, TimeSpan.FromMilliseconds(50));
        health.Record("groq", "llama-3.3-70b-versatile", false, TimeSpan.FromMilliseconds(50));
        Assert.Equal(CircuitState.Open, health.GetModel("groq", "llama-3.3-70b-versatile").Circuit);
    }

    [Fact]
    public void Throttle_RetryAfter_SkipsTheModelUntilThen_WithoutCountingAFailure()
    {
        var health = Create();
        var changes = new List<(string, string, bool)>();
        health.CircuitChanged += (provider, model, opened) => changes.Add((provider, model, opened));

        for (var i = 0; i < 10; i++)
        {
            health.Throttle("openai", "gpt-4o", TimeSpan.FromSeconds(20));
        }

        Assert.False(health.TryAcquire("openai", "gpt-4o"));
        Assert.False(health.IsAvailable("openai", "gpt-4o"));
        Assert.True(health.IsAvailable("openai", "gpt-4o-mini"));
        Assert.Equal(_time.GetUtcNow().AddSeconds(20), health.ThrottledUntil("openai", "gpt-4o"));
        Assert.Equal((CircuitState.Closed, 0), (health.GetModel("openai", "gpt-4o").Circuit, health.GetModel("openai", "gpt-4o").ConsecutiveFailures));

        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(health.TryAcquire("openai", "gpt-4o"));
        Assert.Null(health.ThrottledUntil("openai", "gpt-4o"));
        Assert.Empty(changes);
    }

    [Fact]
    public void CircuitChanged_OpensAndCloses_RaisedOncePerTransition()
    {
        var health = Create();
        var changes = new List<(string, string, bool)>();
        health.CircuitChanged += (provider, model, opened) => changes.Add((provider, model, opened));

        for (var i = 0; i < 5; i++)
        {
            health.Record("openai", "gpt-4o", false, TimeSpan.FromMilliseconds(10));
        }

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(health.TryAcquire("openai", "gpt-4o"));
        health.Record("openai", "gpt-4o", true, TimeSpan.FromMilliseconds(10));

        Assert.Equal([("openai", "gpt-4o", true), ("openai", "gpt-4o", false)], changes);
    }

    [Fact]
    public void Record_OldFailuresLeaveTheWindow_RatioDoesNotOpen()
    {
        var health = Create(new HealthOptions { Window = TimeSpan.FromMinutes(1), ConsecutiveFailuresToOpen = 100, MinimumThroughput = 4, FailureRatioToOpen = 0.5 });
        health.Record("mistral", "m", false, TimeSpan.FromMilliseconds(10));
        health.Record("mistral", "m", true, TimeSpan.FromMilliseconds(10));
        health.Record("mistral", "m", false, TimeSpan.FromMilliseconds(10));
        _time.Advance(TimeSpan.FromMinutes(2));
        health.Record("mistral", "m", true, TimeSpan.FromMilliseconds(10));
        health.Record("mistral", "m", true, TimeSpan.FromMilliseconds(10));
        health.Record("mistral", "m", true, TimeSpan.FromMilliseconds(10));
        health.Record("mistral", "m", false, TimeSpan.FromMilliseconds(10));

        var snapshot = health.GetModel("mistral", "m");
        Assert.Equal(4, snapshot.Samples);
        Assert.Equal(0.75, snapshot.SuccessRate);
        Assert.Equal(CircuitState.Closed, snapshot.Circuit);
    }

    [Fact]
    public void GetModel_Latencies_RollingP50AndP95()
    {
        var health = Create();
        for (var ms = 1; ms <= 100; ms++)
        {
            health.Record("openai", "gpt-4o-mini", true, TimeSpan.FromMilliseconds(ms * 10));
        }

        var snapshot = health.GetModel("openai", "gpt-4o-mini");
        Assert.Equal(100, snapshot.Samples);
        Assert.Equal(1.0, snapshot.SuccessRate);
        Assert.Equal(TimeSpan.FromMilliseconds(500), snapshot.LatencyP50);
        Assert.Equal(TimeSpan.FromMilliseconds(950), snapshot.LatencyP95);
        Assert.Equal(HealthSnapshot.Unknown, health.GetModel("openai", "never-called"));
    }

    [Fact]
    public void Constructor_BadOptions_SaysWhatToFix()
    {
        var error = Assert.Throws<ArgumentException>(() => new HealthMonitor(new HealthOptions { FailureRatioToOpen = 1.5 }, _time));
        Assert.Contains("failure ratio", error.Message, StringComparison.Ordinal);
    }
}
