using Microsoft.Extensions.Logging;
using Tollgate.Analytics;
using Tollgate.Ledger;
using Tollgate.Savings;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// The dashboard's recommendations: the last 30 days up to the moment of computing, recomputed in the background, so a
/// page view reads a finished result instead of repricing a month of records. One computation runs at a time; a view
/// that finds the result older than the refresh interval gets it at once and starts the next one.
/// </summary>
internal sealed partial class LatestRecommendations(
    Func<LedgerFilter, CancellationToken, ValueTask<AnalyticsOutcome<IReadOnlyList<Recommendation>>>> recommend,
    ILedgerStore ledger, TimeProvider time, TimeSpan refresh, ILogger<LatestRecommendations> logger)
{
    /// <summary>The look-back of the background result.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(30);

    private readonly Lock _gate = new();
    private Task<RecommendationSnapshot>? _running;
    private RecommendationSnapshot? _last;
    private long _askedAtTicks;

    /// <summary>The latest result; the first call waits for the first computation.</summary>
    public async ValueTask<RecommendationSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _askedAtTicks, time.GetUtcNow().UtcTicks);
        var last = Volatile.Read(ref _last);
        if (last is not null && time.GetUtcNow() - last.ComputedAt < refresh)
        {
            return last;
        }

        var next = Start();
        return last ?? await next.WaitAsync(cancellationToken);
    }

    /// <summary>A new result (joins the computation already running, if any).</summary>
    public Task<RecommendationSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _askedAtTicks, time.GetUtcNow().UtcTicks);
        return Start().WaitAsync(cancellationToken);
    }

    /// <summary>How long after start the first background result is computed (start-up traffic comes first).</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMinutes(1);

    /// <summary>How long after the last view the background keeps recomputing (a gateway nobody looks at does no work).</summary>
    public static readonly TimeSpan KeepWarm = TimeSpan.FromDays(1);

    /// <summary>
    /// Computes <see cref="FirstDelay"/> after start, then every <paramref name="interval"/> while the result was
    /// asked for within <see cref="KeepWarm"/>, until stopped; a result a view had computed less than half an interval
    /// before is kept.
    /// </summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            await Task.Delay(FirstDelay, time, cancellationToken);
            var first = true;
            do
            {
                // A result younger than half the interval (a view asked for one meanwhile) is left to serve.
                var last = Volatile.Read(ref _last);
                var now = time.GetUtcNow();
                var asked = first || now.UtcTicks - Volatile.Read(ref _askedAtTicks) <= KeepWarm.Ticks;
                first = false;
                if (!asked || (last is not null && now - last.ComputedAt < interval / 2))
                {
                    continue;
                }

                try
                {
                    await Start().WaitAsync(cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    LogFailed(logger, ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private Task<RecommendationSnapshot> Start()
    {
        lock (_gate)
        {
            if (_running is { IsCompleted: false } running)
            {
                return running;
            }

            return _running = Task.Run(ComputeAsync);
        }
    }

    private async Task<RecommendationSnapshot> ComputeAsync()
    {
        var now = time.GetUtcNow();
        var from = now - Window;
        // Raw records before a retention purge are gone: the window starts at the cutoff instead.
        if (await ledger.GetRetentionCutoffAsync(CancellationToken.None) is { } cutoff && cutoff > from)
        {
            from = cutoff;
        }

        var outcome = await recommend(new LedgerFilter { From = from, To = now }, CancellationToken.None);
        var snapshot = new RecommendationSnapshot(from, now, now, outcome.Value ?? throw new InvalidOperationException(outcome.Error));
        Volatile.Write(ref _last, snapshot);
        return snapshot;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recommendations could not be recomputed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
