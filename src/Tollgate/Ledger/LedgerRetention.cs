using Microsoft.Extensions.Logging;

namespace Tollgate.Ledger;

/// <summary>
/// Keeps raw ledger records for a number of days: once an hour (and at start) removes the records older than that, with
/// <see cref="ILedgerStore.PurgeRawBeforeAsync"/>, so rollups — and every report — keep their totals.
/// </summary>
public sealed partial class LedgerRetention(ILedgerStore store, int days, TimeProvider time, ILogger logger)
{
    /// <summary>How often the purge runs.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>The longest retention accepted (about a hundred years; beyond, say "keep forever" by leaving it unset).</summary>
    public const int MaxDays = 36_500;

    /// <summary>The cutoff in force now: records before it are removed.</summary>
    public DateTimeOffset Cutoff => time.GetUtcNow().AddDays(-days);

    /// <summary>
    /// Null when every raw record of <paramref name="filter"/>'s range is kept; otherwise why a view that reads raw records
    /// (tags, comparisons, what-if, recommendations) cannot answer it exactly: the range starts before the last purge.
    /// </summary>
    public static async ValueTask<string?> RawRangeProblemAsync(ILedgerStore store, LedgerFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(filter);
        if (await store.GetRetentionCutoffAsync(cancellationToken) is not { } cutoff || filter.From >= cutoff)
        {
            return null;
        }

        var at = cutoff.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return $"the range starts {(filter.From is { } from ? "at " + from.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "with the ledger's first record")}, " +
               $"before the retention cutoff {at}: raw records before it were purged, and this view reads raw records. " +
               $"Start the range at or after {at}, or use a breakdown or trend by a dimension without tag filters (the rollups keep exact totals)";
    }

    /// <summary>Removes the records older than <see cref="Cutoff"/>; returns how many.</summary>
    public async ValueTask<long> PurgeOnceAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = Cutoff;
        var removed = await store.PurgeRawBeforeAsync(cutoff, cancellationToken);
        if (removed > 0)
        {
            LogPurged(logger, removed, cutoff, days);
        }

        return removed;
    }

    /// <summary>Purges now and every <see cref="Interval"/> until cancelled; a failed purge is logged and retried next time.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await PurgeOnceAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex.GetType().Name, ex.Message);
            }
        }
        while (await WaitAsync(timer, cancellationToken));
    }

    private static async ValueTask<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ledger retention: removed {Removed} raw records before {Cutoff:o} (older than {Days} days); rollups keep their totals")]
    private static partial void LogPurged(ILogger logger, long removed, DateTimeOffset cutoff, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ledger retention: the purge failed ({Error}: {Message}); it is retried in an hour")]
    private static partial void LogFailed(ILogger logger, string error, string message);
}
