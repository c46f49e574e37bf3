using System.Collections.Concurrent;
using Polly;
using Polly.Retry;

namespace Tollgate.Routing;

/// <summary>
/// Runs a call down a fallback chain: each candidate is retried with exponential backoff (Polly.Core; retry on
/// server errors and timeouts, honouring Retry-After), then the next candidate is tried. A rate limit (back-pressure)
/// is not retried on the same candidate: it is skipped until its Retry-After and the next one is tried. Every try is
/// reported once through <c>onAttempt</c> so a host can record one ledger row per attempt, and each outcome feeds
/// the <see cref="HealthMonitor"/>; candidates whose circuit is open are skipped.
/// </summary>
public sealed class FallbackExecutor
{
    private readonly FallbackOptions _options;
    private readonly HealthMonitor? _health;
    private readonly TimeProvider _time;

    // A pipeline is immutable and thread-safe: built once per result type, not per call (the gateway's hot path).
    private readonly ConcurrentDictionary<Type, object> _pipelines = new();

    public FallbackExecutor(FallbackOptions? options = null, HealthMonitor? health = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new FallbackOptions();
        _options.Validate();
        _health = health;
        _time = timeProvider ?? TimeProvider.System;
    }

    public FallbackOptions Options => _options;

    /// <summary>
    /// The order to try: the chosen candidate, then its provider's backup (same model first), then the eligible
    /// alternatives by rank; at most <see cref="FallbackOptions.MaxCandidates"/>.
    /// </summary>
    public IReadOnlyList<RouteCandidate> Plan(RouteDecision decision, IEnumerable<ProviderDescriptor> providers)
    {
        if (decision.Chosen is not { } chosen)
        {
            return [];
        }

        var byName = providers.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var eligible = decision.Alternatives.Where(a => a.IsEligible).ToList();
        var plan = new List<RouteCandidate> { chosen };
        if (byName.TryGetValue(chosen.Provider, out var descriptor) && descriptor.Backup is { } backup)
        {
            var onBackup = eligible.Where(a => string.Equals(a.Provider, backup, StringComparison.OrdinalIgnoreCase)).ToList();
            var same = onBackup.FirstOrDefault(a => string.Equals(a.Model, chosen.Model, StringComparison.OrdinalIgnoreCase)) ?? onBackup.FirstOrDefault();
            if (same is not null)
            {
                plan.Add(same);
            }
        }

        plan.AddRange(eligible.Where(a => !plan.Contains(a)));
        return plan.Take(_options.MaxCandidates).ToList();
    }

    /// <summary>Tries <paramref name="plan"/> in order until an attempt succeeds or is fatal.</summary>
    public async Task<FallbackResult<T>> ExecuteAsync<T>(
        IReadOnlyList<RouteCandidate> plan,
        Func<RouteCandidate, CancellationToken, ValueTask<AttemptResult<T>>> attempt,
        Func<AttemptRecord, AttemptResult<T>, ValueTask>? onAttempt = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(attempt);
        var attempts = new List<AttemptRecord>();
        var skipped = new List<(RouteCandidate, string)>();
        AttemptResult<T> last = default;
        RouteCandidate? lastCandidate = null;
        foreach (var candidate in plan.Take(_options.MaxCandidates))
        {
            if (_health is not null && !_health.TryAcquire(candidate.Provider, candidate.Model))
            {
                skipped.Add((candidate, _health.ThrottledUntil(candidate.Provider, candidate.Model) is not null ? "rate limited by the provider" : "circuit open"));
                continue;
            }

            var tries = 0;
            var pipeline = Pipeline<T>();
            last = await pipeline.ExecuteAsync(
                async token =>
                {
                    tries++;
                    var started = _time.GetTimestamp();
                    AttemptResult<T> result;
                    try
                    {
                        result = await attempt(candidate, token);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                    {
                        result = new AttemptResult<T>(default, AttemptOutcome.Retryable, null, ex.Message);
                    }

                    var duration = _time.GetElapsedTime(started);
                    if (result.BackPressure)
                    {
                        // A 429 says "not now", not "broken": honour its Retry-After for this provider model, count no failure.
                        _health?.Throttle(candidate.Provider, candidate.Model, result.RetryAfter ?? TimeSpan.Zero);
                    }
                    else if (result.Outcome != AttemptOutcome.Local)
                    {
                        _health?.Record(candidate.Provider, candidate.Model, result.Outcome is AttemptOutcome.Success or AttemptOutcome.Fatal, duration);
                    }

                    var record = new AttemptRecord(attempts.Count + 1, candidate, tries, result.Outcome, result.Error, duration);
                    attempts.Add(record);
                    if (onAttempt is not null)
                    {
                        await onAttempt(record, result);
                    }

                    return result;
                },
                cancellationToken);
            lastCandidate = candidate;
            if (last.Outcome is AttemptOutcome.Success or AttemptOutcome.Fatal or AttemptOutcome.Local)
            {
                break;
            }
        }

        return new FallbackResult<T>
        {
            Succeeded = last.Outcome == AttemptOutcome.Success && lastCandidate is not null,
            Value = last.Value,
            Candidate = lastCandidate,
            Attempts = attempts,
            Skipped = skipped,
        };
    }

    private ResiliencePipeline<AttemptResult<T>> Pipeline<T>() =>
        (ResiliencePipeline<AttemptResult<T>>)_pipelines.GetOrAdd(typeof(AttemptResult<T>), static (_, self) => self.BuildPipeline<T>(), this);

    private ResiliencePipeline<AttemptResult<T>> BuildPipeline<T>()
    {
        var builder = new ResiliencePipelineBuilder<AttemptResult<T>> { TimeProvider = _time };
        if (_options.MaxAttemptsPerCandidate > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<AttemptResult<T>>
            {
                MaxRetryAttempts = _options.MaxAttemptsPerCandidate - 1,
                BackoffType = DelayBackoffType.Exponential,
                Delay = _options.BaseDelay,
                MaxDelay = _options.MaxDelay,
                UseJitter = _options.UseJitter,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Result.Outcome == AttemptOutcome.Retryable && !args.Outcome.Result.BackPressure &&
                    (args.Outcome.Result.RetryAfter is not { } wait || wait <= _options.MaxRetryAfter)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result.RetryAfter),
            });
        }

        return builder.Build();
    }
}
