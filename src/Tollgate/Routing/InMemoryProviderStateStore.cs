namespace Tollgate.Routing;

/// <summary>An <see cref="IProviderStateStore"/> in process memory: tests and single-process runs.</summary>
public sealed class InMemoryProviderStateStore : IProviderStateStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, bool> _providers = new(StringComparer.Ordinal);
    private readonly Dictionary<ProviderModelKey, bool> _models = [];
    private readonly Dictionary<GenerationType, string> _preferred = [];
    private readonly Dictionary<ProviderModelKey, MutableStats> _stats = [];

    public ValueTask<ProviderState> LoadAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(new ProviderState
            {
                Providers = new Dictionary<string, bool>(_providers, StringComparer.Ordinal),
                Models = new Dictionary<ProviderModelKey, bool>(_models),
                Preferred = new Dictionary<GenerationType, string>(_preferred),
            });
        }
    }

    public ValueTask SetProviderEnabledAsync(string provider, bool enabled, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        lock (_gate)
        {
            _providers[provider.ToLowerInvariant()] = enabled;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SetModelEnabledAsync(string provider, string model, bool enabled, CancellationToken cancellationToken = default)
    {
        var key = new ProviderModelKey(provider, model);
        lock (_gate)
        {
            _models[key] = enabled;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SetPreferredAsync(GenerationType type, string? provider, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (string.IsNullOrWhiteSpace(provider))
            {
                _preferred.Remove(type);
            }
            else
            {
                _preferred[type] = provider.ToLowerInvariant();
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RecordCallAsync(ProviderCallRecord call, CancellationToken cancellationToken = default)
    {
        var key = new ProviderModelKey(call.Provider, call.Model);
        lock (_gate)
        {
            if (!_stats.TryGetValue(key, out var stats))
            {
                _stats[key] = stats = new MutableStats();
            }

            stats.Add(call);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<ProviderStats> GetStatsAsync(string provider, string? model = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        var total = new MutableStats();
        lock (_gate)
        {
            foreach (var (key, stats) in _stats)
            {
                if (key.Provider == provider.ToLowerInvariant() &&
                    (model is null || string.Equals(key.Model, model, StringComparison.OrdinalIgnoreCase)))
                {
                    total.Add(stats);
                }
            }
        }

        return ValueTask.FromResult(total.ToStats(provider.ToLowerInvariant(), model));
    }

    private sealed class MutableStats
    {
        private readonly long[] _buckets = new long[LatencyHistogram.BucketCount];
        private long _requests;
        private long _successes;
        private long _latencyMs;
        private long _costNanos;
        private DateTimeOffset? _first;
        private DateTimeOffset? _last;

        public void Add(ProviderCallRecord call)
        {
            _requests++;
            _successes += call.Success ? 1 : 0;
            _latencyMs += (long)call.Latency.TotalMilliseconds;
            _costNanos += call.CostNanos;
            _buckets[LatencyHistogram.BucketOf(call.Latency)]++;
            _first = _first is null || call.Timestamp < _first ? call.Timestamp : _first;
            _last = _last is null || call.Timestamp > _last ? call.Timestamp : _last;
        }

        public void Add(MutableStats other)
        {
            _requests += other._requests;
            _successes += other._successes;
            _latencyMs += other._latencyMs;
            _costNanos += other._costNanos;
            for (var i = 0; i < _buckets.Length; i++)
            {
                _buckets[i] += other._buckets[i];
            }

            _first = _first is null || other._first < _first ? other._first : _first;
            _last = _last is null || other._last > _last ? other._last : _last;
        }

        public ProviderStats ToStats(string provider, string? model) => new()
        {
            Provider = provider,
            Model = model,
            Requests = _requests,
            Successes = _successes,
            TotalLatencyMilliseconds = _latencyMs,
            LatencyBuckets = (long[])_buckets.Clone(),
            CostNanos = _costNanos,
            FirstAt = _first,
            LastAt = _last,
        };
    }
}
