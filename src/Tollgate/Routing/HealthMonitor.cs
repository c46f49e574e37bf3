using System.Collections.Concurrent;

namespace Tollgate.Routing;

/// <summary>
/// Rolling health per provider and per provider model: success rate, latency p50/p95 and, per provider model only, a
/// circuit breaker that opens after N consecutive failures or a failure ratio over a minimum throughput, lets one probe
/// through after a cool-down (half-open) and closes on its success. The provider-wide figures are statistics, never a
/// gate: one failing model must not take the provider's other models away. A provider's 429 is back-pressure, not a
/// failure: <see cref="Throttle"/> skips that provider model until its Retry-After. Time comes from <see cref="TimeProvider"/>.
/// In-process: each gateway instance watches its own calls.
/// </summary>
public sealed class HealthMonitor
{
    private readonly HealthOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Tracker> _trackers = new(StringComparer.OrdinalIgnoreCase);

    public HealthMonitor(HealthOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new HealthOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Raised when a provider model's circuit opens (true) or closes again (false).</summary>
    public event Action<string, string, bool>? CircuitChanged;

    /// <summary>Records one call's outcome against the provider (statistics) and the model (statistics and circuit).</summary>
    public void Record(string provider, string model, bool success, TimeSpan latency)
    {
        var now = _time.GetUtcNow();
        Get(ProviderKey(provider), gates: false).Record(success, latency, now, _options);
        var change = Get(ModelKey(provider, model), gates: true).Record(success, latency, now, _options);
        if (change is { } opened)
        {
            CircuitChanged?.Invoke(provider, model, opened);
        }
    }

    /// <summary>
    /// Back-pressure from the provider (a 429): the model is skipped until <paramref name="retryAfter"/> has passed.
    /// Not a health failure: the circuit and the success rate are untouched.
    /// </summary>
    public void Throttle(string provider, string model, TimeSpan retryAfter)
    {
        if (retryAfter <= TimeSpan.Zero)
        {
            return;
        }

        Get(ModelKey(provider, model), gates: true).Throttle(_time.GetUtcNow() + retryAfter);
    }

    /// <summary>Until when the provider asked for the model to be left alone (its 429's Retry-After); null when not throttled.</summary>
    public DateTimeOffset? ThrottledUntil(string provider, string model) =>
        _trackers.TryGetValue(ModelKey(provider, model), out var t) ? t.ThrottledUntil(_time.GetUtcNow()) : null;

    public HealthSnapshot GetProvider(string provider) =>
        _trackers.TryGetValue(ProviderKey(provider), out var t) ? t.Snapshot(_time.GetUtcNow(), _options) : HealthSnapshot.Unknown;

    public HealthSnapshot GetModel(string provider, string model) =>
        _trackers.TryGetValue(ModelKey(provider, model), out var t) ? t.Snapshot(_time.GetUtcNow(), _options) : HealthSnapshot.Unknown;

    /// <summary>
    /// True when a call to the model may be made now: its circuit closed and not throttled, or half-open with no probe in
    /// flight (the caller then IS the probe and must <see cref="Record"/> its outcome). Does not reserve anything when false.
    /// </summary>
    public bool TryAcquire(string provider, string model) =>
        Get(ModelKey(provider, model), gates: true).TryEnter(_time.GetUtcNow());

    /// <summary>True when the model's circuit does not refuse calls right now and it is not throttled (no probe reservation).</summary>
    public bool IsAvailable(string provider, string model) =>
        !_trackers.TryGetValue(ModelKey(provider, model), out var m) || m.CanPass(_time.GetUtcNow());

    private Tracker Get(string key, bool gates) => _trackers.GetOrAdd(key, static (_, g) => new Tracker(g), gates);

    private static string ProviderKey(string provider) => provider;

    private static string ModelKey(string provider, string model) => provider + "/" + model;

    private sealed class Tracker(bool gates)
    {
        private readonly Lock _gate = new();
        private DateTimeOffset _throttledUntil;
        private readonly Queue<(DateTimeOffset At, bool Success, TimeSpan Latency)> _window = new();
        private CircuitState _state = CircuitState.Closed;
        private DateTimeOffset _openUntil;
        private bool _probeInFlight;
        private int _consecutiveFailures;

        /// <summary>Records one outcome; returns true when this opened the circuit, false when it closed it, else null.</summary>
        public bool? Record(bool success, TimeSpan latency, DateTimeOffset now, HealthOptions options)
        {
            lock (_gate)
            {
                _window.Enqueue((now, success, latency));
                Trim(now, options);
                _consecutiveFailures = success ? 0 : _consecutiveFailures + 1;
                if (!gates)
                {
                    return null;
                }

                var state = Current(now);
                if (state == CircuitState.HalfOpen)
                {
                    _probeInFlight = false;
                    if (success)
                    {
                        Close();
                        return false;
                    }

                    Open(now, options);
                    return null;
                }

                if (state == CircuitState.Closed && !success && ShouldOpen(options))
                {
                    Open(now, options);
                    return true;
                }

                return null;
            }
        }

        public void Throttle(DateTimeOffset until)
        {
            lock (_gate)
            {
                if (until > _throttledUntil)
                {
                    _throttledUntil = until;
                }
            }
        }

        public DateTimeOffset? ThrottledUntil(DateTimeOffset now)
        {
            lock (_gate)
            {
                return _throttledUntil > now ? _throttledUntil : null;
            }
        }

        public bool CanPass(DateTimeOffset now)
        {
            lock (_gate)
            {
                if (_throttledUntil > now)
                {
                    return false;
                }

                return Current(now) switch
                {
                    CircuitState.Closed => true,
                    CircuitState.HalfOpen => !_probeInFlight,
                    _ => false,
                };
            }
        }

        public bool TryEnter(DateTimeOffset now)
        {
            lock (_gate)
            {
                if (_throttledUntil > now)
                {
                    return false;
                }

                switch (Current(now))
                {
                    case CircuitState.Closed:
                        return true;
                    case CircuitState.HalfOpen when !_probeInFlight:
                        _probeInFlight = true;
                        return true;
                    default:
                        return false;
                }
            }
        }

        public HealthSnapshot Snapshot(DateTimeOffset now, HealthOptions options)
        {
            lock (_gate)
            {
                Trim(now, options);
                var state = Current(now);
                if (_window.Count == 0)
                {
                    return HealthSnapshot.Unknown with { Circuit = state, ConsecutiveFailures = _consecutiveFailures, OpenUntil = state == CircuitState.Open ? _openUntil : null };
                }

                var latencies = _window.Select(s => s.Latency).Order().ToArray();
                var successes = _window.Count(s => s.Success);
                return new HealthSnapshot(
                    _window.Count,
                    (double)successes / _window.Count,
                    Nearest(latencies, 0.50),
                    Nearest(latencies, 0.95),
                    state,
                    _consecutiveFailures,
                    state == CircuitState.Open ? _openUntil : null);
            }
        }

        private CircuitState Current(DateTimeOffset now) =>
            _state == CircuitState.Open && now >= _openUntil ? CircuitState.HalfOpen : _state;

        private bool ShouldOpen(HealthOptions options)
        {
            if (_consecutiveFailures >= options.ConsecutiveFailuresToOpen)
            {
                return true;
            }

            if (_window.Count < options.MinimumThroughput)
            {
                return false;
            }

            var failures = _window.Count(s => !s.Success);
            return (double)failures / _window.Count >= options.FailureRatioToOpen;
        }

        private void Open(DateTimeOffset now, HealthOptions options)
        {
            _state = CircuitState.Open;
            _openUntil = now + options.BreakDuration;
            _probeInFlight = false;
        }

        private void Close()
        {
            _state = CircuitState.Closed;
            _consecutiveFailures = 0;

            // A fresh start: the failures that opened the circuit must not re-open it on the next blip.
            _window.Clear();
        }

        private void Trim(DateTimeOffset now, HealthOptions options)
        {
            while (_window.Count > 0 && (_window.Count > options.MaxSamples || now - _window.Peek().At > options.Window))
            {
                _window.Dequeue();
            }
        }

        private static TimeSpan Nearest(TimeSpan[] sorted, double quantile) =>
            sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
