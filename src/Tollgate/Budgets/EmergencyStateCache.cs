namespace Tollgate.Budgets;

/// <summary>Whether emergency mode is on, as last read from the store; re-read every <see cref="BudgetGateOptions.StateRefresh"/>.</summary>
internal sealed class EmergencyStateCache(IBudgetStore store, BudgetGateOptions options)
{
    private readonly IBudgetStore _store = store;
    private readonly BudgetGateOptions _options = options;
    private EmergencyReading? _emergency;

    /// <summary>The last reading, current or not; null before the first read or after <see cref="Forget"/>.</summary>
    public EmergencyReading? Current => Volatile.Read(ref _emergency);

    /// <summary>Drops the last reading, so the next request reads the store.</summary>
    public void Forget() => Volatile.Write(ref _emergency, null);

    /// <summary>Emergency mode as last read, re-read from the store every <see cref="BudgetGateOptions.StateRefresh"/>.</summary>
    public ValueTask<EmergencyState?> GetAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref _emergency);
        return cached is not null && now.UtcTicks - cached.CheckedTicks < _options.StateRefresh.Ticks && now.UtcTicks >= cached.CheckedTicks
            ? ValueTask.FromResult(cached.State)
            : LoadEmergencyAsync(now, cancellationToken);
    }

    private async ValueTask<EmergencyState?> LoadEmergencyAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var state = await _store.GetEmergencyAsync(cancellationToken);
        Volatile.Write(ref _emergency, new EmergencyReading(state, now.UtcTicks));
        return state;
    }
}
