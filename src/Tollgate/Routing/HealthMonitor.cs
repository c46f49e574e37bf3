using System.Collections.Concurrent;

namespace Tollgate.Routing;

/// <summary>
/// Rolling health per provider and per provider model: success rate, latency p50/p95 and a circuit breaker
/// that opens after N consecutive failures or a failure ratio over a minimum throughput, lets one probe
/// through after a cool-down (half-open) and closes on its success. Time comes from <see cref="TimeProvider"/>.
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

    /// <summary>Records one call's outcome against the provider and the model.</summary>
    public void Record(string provider, string model, bool success, TimeSpan latency)
    {
        var now = _time.GetUtcNow();
        Get(ProviderKey(provider)).Record(success, latency, now, _options);
        Get(ModelKey(provider, model)).Record(success, latency, now, _options);
    }

    public HealthSnapshot GetProvider(string provider) =>
        _trackers.TryGetValue(ProviderKey(provider), out var t) ? t.Snapshot(_time.GetUtcNow(), _options) : HealthSnapshot.Unknown;

    public HealthSnapshot GetModel(string provider, string model) =>
        _trackers.TryGetValue(ModelKey(provider, model), out var t) ? t.Snapshot(_time.GetUtcNow(), _options) : HealthSnapshot.Unknown;

    /// <summary>
    /// True when a call to the model may be made now: both circuits closed, or half-open with no probe in flight
    /// (the caller then IS the probe and must <see cref="Record"/> its outcome). Does not reserve anything when false.
    /// </summary>
    public bool TryAcquire(string provider, string model)
    {
        var now = _time.GetUtcNow();
        var providerTracker = Get(ProviderKey(provider));
        var modelTracker = Get(ModelKey(provider, model));
        if (!providerTracker.CanPass(now) || !modelTracker.CanPass(now))
        {
            return false;
        }

        return providerTracker.TryEnter(now) && modelTracker.TryEnter(now);
    }

    /// <summary>True when neither circuit refuses calls right now (no probe reservation).</summary>
    public bool IsAvailable(string provider, string model)
    {
        var now = _time.GetUtcNow();
        return (!_trackers.TryGetValue(ProviderKey(provider), out var p) || p.CanPass(now)) &&
               (!_trackers.TryGetValue(ModelKey(provider, model), out var m) || m.CanPass(now));
    }

    private Tracker Get(string key) => _trackers.GetOrAdd(key, static _ => new Tracker());

    private static string ProviderKey(string provider) => provider;

    private static string ModelKey(string provider, string model) => provider + "/" + model;

    private sealed class Tracker
    {
        private readonly Lock _gate = new();
        private readonly Queue<(DateTimeOffset At, bool Success, TimeSpan Latency)> _window = new();
        private CircuitState _state = CircuitState.Closed;
        private DateTimeOffset _openUntil;
        private bool _probeInFlight;
        private int _consecutiveFailures;

        public void Record(bool success, TimeSpan latency, DateTimeOffset now, HealthOptions options)
        {
            lock (_gate)
            {
                _window.Enqueue((now, success, latency));
                Trim(now, options);
                _consecutiveFailures = success ? 0 : _consecutiveFailures + 1;
                var state = Current(now);
                if (state == CircuitState.HalfOpen)
                {
                    _probeInFlight = false;
                    if (success)
                    {
                        Close();
                    }
                    else
                    {
                        Open(now, options);
                    }

                    return;
                }

                if (state == CircuitState.Closed && !success && ShouldOpen(options))
                {
                    Open(now, options);
                }
            }
        }

        public bool CanPass(DateTimeOffset now)
        {
            lock (_gate)
            {
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
