namespace Tollgate.Routing;

/// <summary>
/// The providers Tollgate knows and their run-time switches (enabled, preferred per generation type), read from an
/// <see cref="IProviderStateStore"/> shared with the CLI and other gateway instances. The state is cached for
/// <see cref="RefreshInterval"/> so the request path does not hit the store on every call.
/// </summary>
public sealed class ProviderRegistry
{
    private readonly IProviderStateStore _store;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, ProviderDescriptor> _providers;
    private ProviderState? _state;
    private DateTimeOffset _loadedAt;

    public ProviderRegistry(IProviderStateStore store, IEnumerable<ProviderDescriptor> providers, TimeProvider? timeProvider = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = timeProvider ?? TimeProvider.System;
        _providers = new Dictionary<string, ProviderDescriptor>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in providers)
        {
            _providers[provider.Name] = provider with { Name = provider.Name.ToLowerInvariant() };
        }
    }

    /// <summary>How long a loaded state is trusted before the store is read again.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(5);

    public IProviderStateStore Store => _store;

    public IReadOnlyCollection<ProviderDescriptor> Providers => _providers.Values;

    public ProviderDescriptor? Find(string name) => _providers.GetValueOrDefault(name.Trim());

    /// <summary>The current state: cached, re-read from the store after <see cref="RefreshInterval"/>.</summary>
    public async ValueTask<ProviderState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        if (_state is { } cached && now - _loadedAt < RefreshInterval)
        {
            return cached;
        }

        // Two concurrent refreshes both read the store; harmless, and cheaper than a lock on the request path.
        ProviderState state;
        try
        {
            state = await _store.LoadAsync(cancellationToken);
        }
        catch (Exception) when (_state is { } known && !cancellationToken.IsCancellationRequested)
        {
            // The store is unreachable: routing goes on with the last state read (operator changes made meanwhile
            // apply once it is back), and asks again after the refresh interval instead of on every request.
            _loadedAt = now;
            return known;
        }

        _loadedAt = now;
        _state = state;
        return state;
    }

    /// <summary>Drops the cached state so the next read goes to the store.</summary>
    public void Invalidate() => _state = null;

    public ValueTask SetEnabledAsync(string provider, bool enabled, CancellationToken cancellationToken = default)
    {
        var known = Require(provider);
        Invalidate();
        return _store.SetProviderEnabledAsync(known.Name, enabled, cancellationToken);
    }

    public ValueTask SetModelEnabledAsync(string provider, string model, bool enabled, CancellationToken cancellationToken = default)
    {
        var known = Require(provider);
        Invalidate();
        return _store.SetModelEnabledAsync(known.Name, model, enabled, cancellationToken);
    }

    /// <summary>Makes <paramref name="provider"/> the preferred one for <paramref name="type"/>.</summary>
    public ValueTask PreferAsync(GenerationType type, string provider, CancellationToken cancellationToken = default)
    {
        var known = Require(provider);
        if (!known.Supports.Contains(type))
        {
            throw new ArgumentException($"provider '{known.Name}' does not serve {type.ToWireName()} requests; it serves {string.Join(", ", known.Supports.Select(s => s.ToWireName()))}", nameof(provider));
        }

        Invalidate();
        return _store.SetPreferredAsync(type, known.Name, cancellationToken);
    }

    private ProviderDescriptor Require(string provider) =>
        Find(provider) ?? throw new ArgumentException(
            $"unknown provider '{provider}'; known providers: {string.Join(", ", _providers.Keys.Order(StringComparer.Ordinal))}", nameof(provider));
}
