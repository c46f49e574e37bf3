using Microsoft.Extensions.Time.Testing;
using Tollgate.Routing;

namespace Tollgate.Tests.Routing;

public sealed class FallbackExecutorTests
{
    private static readonly RouteCandidate Primary = new() { Provider = "openai", Model = "gpt-4o" };
    private static readonly RouteCandidate Backup = new() { Provider = "azure", Model = "gpt-4o" };
    private static readonly RouteCandidate Third = new() { Provider = "google", Model = "gemini-2.5-flash" };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero));

    private static FallbackOptions NoDelay(int attempts = 2) => new() { MaxAttemptsPerCandidate = attempts, BaseDelay = TimeSpan.Zero, UseJitter = false, MaxCandidates = 3 };

    [Fact]
    public async Task ExecuteAsync_ServerErrorsOnPrimary_RetriesThenFallsBackToBackup()
    {
        var calls = new List<string>();
        var records = new List<AttemptRecord>();
        var executor = new FallbackExecutor(NoDelay(), timeProvider: _time);

        var result = await executor.ExecuteAsync<string>(
            [Primary, Backup, Third],
            (candidate, _) =>
            {
                calls.Add(candidate.ToString());
                return ValueTask.FromResult(candidate == Primary
                    ? new AttemptResult<string>("503", AttemptOutcome.Retryable, Error: "provider 'openai' answered 503")
                    : new AttemptResult<string>("200 from " + candidate, AttemptOutcome.Success));
            },
            (record, _) =>
            {
                records.Add(record);
                return ValueTask.CompletedTask;
            },
            TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded);
        Assert.Equal("200 from azure/gpt-4o", result.Value);
        Assert.Equal(["openai/gpt-4o", "openai/gpt-4o", "azure/gpt-4o"], calls);
        Assert.Equal([1, 2, 3], records.Select(r => r.Number));
        Assert.Equal([1, 2, 1], records.Select(r => r.TryOnCandidate));
        Assert.Equal([AttemptOutcome.Retryable, AttemptOutcome.Retryable, AttemptOutcome.Success], records.Select(r => r.Outcome));
    }

    [Fact]
    public async Task ExecuteAsync_TimeoutThenSuccessOnSameCandidate_StaysOnIt()
    {
        var tries = 0;
        var executor = new FallbackExecutor(NoDelay(3), timeProvider: _time);

        var result = await executor.ExecuteAsync<string>(
            [Primary, Backup],
            (_, _) => ValueTask.FromResult(++tries < 3
                ? new AttemptResult<string>(null, AttemptOutcome.Retryable, Error: "timeout")
                : new AttemptResult<string>("ok", AttemptOutcome.Success)),
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded);
        Assert.Equal(Primary, result.Candidate);
        Assert.Equal(3, result.Attempts.Count);
    }

    [Fact]
    public async Task ExecuteAsync_RetryAfter_WaitsThatLongOnTheClock()
    {
        var at = new List<DateTimeOffset>();
        var executor = new FallbackExecutor(new FallbackOptions { MaxAttemptsPerCandidate = 2, BaseDelay = TimeSpan.FromMilliseconds(100), UseJitter = false }, timeProvider: _time);

        var run = executor.ExecuteAsync<string>(
            [Primary],
            (_, _) =>
            {
                at.Add(_time.GetUtcNow());
                return ValueTask.FromResult(at.Count == 1
                    ? new AttemptResult<string>("429", AttemptOutcome.Retryable, TimeSpan.FromSeconds(3), "rate limited")
                    : new AttemptResult<string>("ok", AttemptOutcome.Success));
            },
            cancellationToken: TestContext.Current.CancellationToken);

        for (var i = 0; i < 100 && !run.IsCompleted; i++)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
            if (at.Count == 1)
            {
                _time.Advance(TimeSpan.FromMilliseconds(500));
            }
        }

        var result = await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(result.Succeeded);
        Assert.Equal(2, at.Count);
        Assert.True(at[1] - at[0] >= TimeSpan.FromSeconds(3), $"retried after {at[1] - at[0]}");
        Assert.True(at[1] - at[0] < TimeSpan.FromSeconds(4), $"retried after {at[1] - at[0]}");
    }

    [Fact]
    public async Task ExecuteAsync_RetryAfterTooLong_MovesOnWithoutWaiting()
    {
        var calls = new List<string>();
        var executor = new FallbackExecutor(new FallbackOptions { MaxAttemptsPerCandidate = 3, MaxRetryAfter = TimeSpan.FromSeconds(5) }, timeProvider: _time);

        var result = await executor.ExecuteAsync<string>(
            [Primary, Backup],
            (candidate, _) =>
            {
                calls.Add(candidate.ToString());
                return ValueTask.FromResult(candidate == Primary
                    ? new AttemptResult<string>("429", AttemptOutcome.Retryable, TimeSpan.FromMinutes(1))
                    : new AttemptResult<string>("ok", AttemptOutcome.Success));
            },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded);
        Assert.Equal(["openai/gpt-4o", "azure/gpt-4o"], calls);
    }

    [Fact]
    public async Task ExecuteAsync_FatalOrNextCandidate_NoRetry()
    {
        var calls = new List<string>();
        var executor = new FallbackExecutor(NoDelay(3), timeProvider: _time);

        var result = await executor.ExecuteAsync<string>(
            [Primary, Backup, Third],
            (candidate, _) =>
            {
                calls.Add(candidate.ToString());
                return ValueTask.FromResult(candidate == Primary
                    ? new AttemptResult<string>("401", AttemptOutcome.NextCandidate)
                    : new AttemptResult<string>("400", AttemptOutcome.Fatal, Error: "bad request"));
            },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Equal("400", result.Value);
        Assert.Equal(["openai/gpt-4o", "azure/gpt-4o"], calls);
    }

    [Fact]
    public async Task ExecuteAsync_AllFail_ReturnsLastFailure()
    {
        var executor = new FallbackExecutor(NoDelay(2), timeProvider: _time);

        var result = await executor.ExecuteAsync<string>(
            [Primary, Backup],
            (candidate, _) => ValueTask.FromResult(new AttemptResult<string>("503 " + candidate, AttemptOutcome.Retryable)),
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Equal("503 azure/gpt-4o", result.Value);
        Assert.Equal(4, result.Attempts.Count);
    }

    [Fact]
    public async Task ExecuteAsync_CircuitOpen_SkipsCandidateAndFeedsHealth()
    {
        var health = new HealthMonitor(new HealthOptions { ConsecutiveFailuresToOpen = 2 }, _time);
        var executor = new FallbackExecutor(NoDelay(2), health, _time);

        await executor.ExecuteAsync<string>(
            [Primary],
            (_, _) => ValueTask.FromResult(new AttemptResult<string>("503", AttemptOutcome.Retryable)),
            cancellationToken: TestContext.Current.CancellationToken);
        var calls = new List<string>();
        var result = await executor.ExecuteAsync<string>(
            [Primary, Backup],
            (candidate, _) =>
            {
                calls.Add(candidate.ToString());
                return ValueTask.FromResult(new AttemptResult<string>("ok", AttemptOutcome.Success));
            },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(CircuitState.Open, health.GetModel("openai", "gpt-4o").Circuit);
        Assert.Equal(["azure/gpt-4o"], calls);
        Assert.Equal("circuit open", Assert.Single(result.Skipped).Reason);
        Assert.Equal(1, health.GetModel("azure", "gpt-4o").Samples);
    }

    [Fact]
    public async Task ExecuteAsync_BackPressureWithRetryAfter_NotRetried_NextCandidate_SkippedUntilThen()
    {
        var health = new HealthMonitor(new HealthOptions { ConsecutiveFailuresToOpen = 1 }, _time);
        var executor = new FallbackExecutor(NoDelay(3), health, _time);
        var calls = new List<string>();
        ValueTask<AttemptResult<string>> Attempt(RouteCandidate candidate, CancellationToken _)
        {
            calls.Add(candidate.ToString());
            return ValueTask.FromResult(candidate == Primary
                ? new AttemptResult<string>("429", AttemptOutcome.Retryable, TimeSpan.FromSeconds(10), "HTTP 429", BackPressure: true)
                : new AttemptResult<string>("ok", AttemptOutcome.Success));
        }

        var first = await executor.ExecuteAsync<string>([Primary, Backup], Attempt, cancellationToken: TestContext.Current.CancellationToken);
        var second = await executor.ExecuteAsync<string>([Primary, Backup], Attempt, cancellationToken: TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(10));
        var third = await executor.ExecuteAsync<string>([Primary, Backup], Attempt, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(first.Succeeded && second.Succeeded && third.Succeeded);
        Assert.Equal(["openai/gpt-4o", "azure/gpt-4o", "azure/gpt-4o", "openai/gpt-4o", "azure/gpt-4o"], calls);
        Assert.Equal("rate limited by the provider", Assert.Single(second.Skipped).Reason);
        Assert.Equal((CircuitState.Closed, 0), (health.GetModel("openai", "gpt-4o").Circuit, health.GetModel("openai", "gpt-4o").Samples));
    }

    [Fact]
    public async Task ExecuteAsync_AttemptThrows_TreatedAsRetryable()
    {
        var tries = 0;
        var executor = new FallbackExecutor(NoDelay(2), timeProvider: _time);

        var result = await executor.ExecuteAsync<string>(
            [Primary],
            (_, _) => ++tries == 1 ? throw new HttpRequestException("connection reset") : ValueTask.FromResult(new AttemptResult<string>("ok", AttemptOutcome.Success)),
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded);
        Assert.Equal("connection reset", result.Attempts[0].Error);
    }
}
