namespace Tollgate.Budgets;

/// <summary>The request rate emergency mode allows: <see cref="BudgetGateOptions.EmergencyRequestsPerMinute"/>, counted per UTC minute.</summary>
internal sealed class EmergencyThrottle(IBudgetStore store, BudgetGateOptions options)
{
    private readonly IBudgetStore _store = store;
    private readonly BudgetGateOptions _options = options;
    private readonly Lock _throttleLock = new();
    private long _throttleMinute = -1;
    private int _throttleCount;

    /// <summary>One of the minute's requests, shared across instances when the store can count them; else this gate's own.</summary>
    public async ValueTask<(bool Allowed, TimeSpan RetryAfter)> TryTakeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_store is ISharedEmergencyThrottle shared)
        {
            var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
            if (await shared.TryTakeEmergencySlotAsync(minute, _options.EmergencyRequestsPerMinute, cancellationToken) is { } ok)
            {
                return (ok, ok ? TimeSpan.Zero : TimeSpan.FromTicks(((minute + 1) * TimeSpan.TicksPerMinute) - now.UtcTicks));
            }
        }

        var local = TryTake(now, out var retryAfter);
        return (local, retryAfter);
    }

    private bool TryTake(DateTimeOffset now, out TimeSpan retryAfter)
    {
        var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
        lock (_throttleLock)
        {
            if (minute != _throttleMinute)
            {
                _throttleMinute = minute;
                _throttleCount = 0;
            }

            if (_throttleCount < _options.EmergencyRequestsPerMinute)
            {
                _throttleCount++;
                retryAfter = TimeSpan.Zero;
                return true;
            }
        }

        retryAfter = TimeSpan.FromTicks(((minute + 1) * TimeSpan.TicksPerMinute) - now.UtcTicks);
        return false;
    }
}
