namespace Tollgate.Routing;

/// <summary>
/// Durable provider switches (enabled/disabled, preferred per generation type) and cumulative call statistics,
/// shared by the CLI and every gateway instance that points at the same store.
/// </summary>
public interface IProviderStateStore
{
    ValueTask<ProviderState> LoadAsync(CancellationToken cancellationToken = default);

    ValueTask SetProviderEnabledAsync(string provider, bool enabled, CancellationToken cancellationToken = default);

    ValueTask SetModelEnabledAsync(string provider, string model, bool enabled, CancellationToken cancellationToken = default);

    /// <summary>Sets (or with null clears) the preferred provider for <paramref name="type"/>.</summary>
    ValueTask SetPreferredAsync(GenerationType type, string? provider, CancellationToken cancellationToken = default);

    /// <summary>Adds one finished call to the provider's and model's counters (atomically, safe across processes).</summary>
    ValueTask RecordCallAsync(ProviderCallRecord call, CancellationToken cancellationToken = default);

    /// <summary>Statistics of a provider (all models when <paramref name="model"/> is null); zero counts when none recorded.</summary>
    ValueTask<ProviderStats> GetStatsAsync(string provider, string? model = null, CancellationToken cancellationToken = default);
}
