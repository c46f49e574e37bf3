using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Tollgate.Costing;

namespace Tollgate.Gateway.Observability;

/// <summary>
/// The gateway's counters, kept with interlocked adds so recording costs nanoseconds on the request path, exposed in
/// Prometheus text format at <c>/metrics</c> and mirrored to OpenTelemetry instruments with the GenAI
/// semantic-convention names (<c>gen_ai.client.token.usage</c>, <c>gen_ai.client.operation.duration</c>).
/// </summary>
internal sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "Tollgate.Gateway";

    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    private readonly ConcurrentDictionary<CallKey, CallSeries> _calls = new();
    private readonly ConcurrentDictionary<ModelKey, DurationSeries> _durations = new();
    private readonly ConcurrentDictionary<string, StrongBox> _refusals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TenantSeries> _tenants = new(StringComparer.Ordinal);
    private readonly Meter _meter;
    private readonly Histogram<long> _tokenUsage;
    private readonly Histogram<double> _operationDuration;
    private readonly Counter<double> _costCounter;
    private long _active;

    public GatewayMetrics()
    {
        _meter = new Meter(MeterName);
        _tokenUsage = _meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Measures number of input and output tokens used");
        _operationDuration = _meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s", "GenAI operation duration");
        _costCounter = _meter.CreateCounter<double>("tollgate.cost", "USD", "Cost of calls as priced by Tollgate (exact figures are in the ledger)");
        _meter.CreateObservableUpDownCounter("tollgate.requests.active", () => Volatile.Read(ref _active), "{request}", "Requests in flight");
    }

    /// <summary>Called at scrape time to list budgets' remaining amounts (name, remaining in currency units).</summary>
    public Func<CancellationToken, ValueTask<IReadOnlyList<(string Id, string Scope, decimal Remaining)>>>? BudgetRemaining { get; set; }

    public void RequestStarted() => Interlocked.Increment(ref _active);

    public void RequestEnded() => Interlocked.Decrement(ref _active);

    public void Refused(string reason) => _refusals.GetOrAdd(reason, static _ => new StrongBox()).Increment();

    /// <summary>Records one attempt that reached (or tried to reach) a provider.</summary>
    public void RecordCall(string provider, string model, int status, long costNanos, long inputTokens, long outputTokens, double seconds, string operation, string? tenant = null)
    {
        if (tenant is not null)
        {
            // Spend by tenant is its own small series (tenants × 2), not a label on every provider/model/status series.
            var byTenant = _tenants.GetOrAdd(tenant, static _ => new TenantSeries());
            Interlocked.Increment(ref byTenant.Calls);
            Interlocked.Add(ref byTenant.CostNanos, costNanos);
        }

        var series = _calls.GetOrAdd(new CallKey(provider, model, status), static _ => new CallSeries());
        Interlocked.Increment(ref series.Calls);
        Interlocked.Add(ref series.CostNanos, costNanos);
        Interlocked.Add(ref series.InputTokens, inputTokens);
        Interlocked.Add(ref series.OutputTokens, outputTokens);
        _durations.GetOrAdd(new ModelKey(provider, model), static _ => new DurationSeries()).Observe(seconds);

        if (_tokenUsage.Enabled || _operationDuration.Enabled || _costCounter.Enabled)
        {
            var tags = new TagList
            {
                { "gen_ai.operation.name", operation },
                { "gen_ai.system", provider },
                { "gen_ai.provider.name", provider },
                { "gen_ai.request.model", model },
            };
            if (status >= 400)
            {
                tags.Add("error.type", status.ToString(CultureInfo.InvariantCulture));
            }

            _operationDuration.Record(seconds, tags);
            _costCounter.Add((double)Money.FromNanos(costNanos), tags);
            var input = tags;
            input.Add("gen_ai.token.type", "input");
            _tokenUsage.Record(inputTokens, input);
            var output = tags;
            output.Add("gen_ai.token.type", "output");
            _tokenUsage.Record(outputTokens, output);
        }
    }

    /// <summary>The Prometheus text exposition (format 0.0.4).</summary>
    public async ValueTask<string> ExposeAsync(CancellationToken cancellationToken)
    {
        var text = new StringBuilder(4096);
        var calls = _calls.ToArray();
        Array.Sort(calls, static (a, b) => a.Key.CompareTo(b.Key));

        Header(text, "tollgate_requests_total", "counter", "Calls forwarded to providers, by provider, model and HTTP status.");
        foreach (var (key, s) in calls)
        {
            text.Append("tollgate_requests_total{").Labels(key).Append("} ").Append(Volatile.Read(ref s.Calls)).Append('\n');
        }

        Header(text, "tollgate_cost_usd_total", "counter", "Cost of calls in USD as priced by Tollgate.");
        foreach (var (key, s) in calls)
        {
            text.Append("tollgate_cost_usd_total{").Labels(key).Append("} ")
                .Append(Money.Format(Money.FromNanos(Volatile.Read(ref s.CostNanos)))).Append('\n');
        }

        Header(text, "tollgate_input_tokens_total", "counter", "Input tokens reported by providers (or counted when a stream was cut off).");
        foreach (var (key, s) in calls)
        {
            text.Append("tollgate_input_tokens_total{").Labels(key).Append("} ").Append(Volatile.Read(ref s.InputTokens)).Append('\n');
        }

        Header(text, "tollgate_output_tokens_total", "counter", "Output tokens reported by providers (or counted when a stream was cut off).");
        foreach (var (key, s) in calls)
        {
            text.Append("tollgate_output_tokens_total{").Labels(key).Append("} ").Append(Volatile.Read(ref s.OutputTokens)).Append('\n');
        }

        var tenants = _tenants.ToArray();
        Array.Sort(tenants, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        Header(text, "tollgate_tenant_requests_total", "counter", "Calls forwarded to providers, by the tenant of the virtual key.");
        foreach (var (tenant, t) in tenants)
        {
            text.Append("tollgate_tenant_requests_total{tenant=\"").Append(Escape(tenant)).Append("\"} ").Append(Volatile.Read(ref t.Calls)).Append('\n');
        }

        Header(text, "tollgate_tenant_cost_usd_total", "counter", "Cost of calls in USD as priced by Tollgate, by the tenant of the virtual key.");
        foreach (var (tenant, t) in tenants)
        {
            text.Append("tollgate_tenant_cost_usd_total{tenant=\"").Append(Escape(tenant)).Append("\"} ")
                .Append(Money.Format(Money.FromNanos(Volatile.Read(ref t.CostNanos)))).Append('\n');
        }

        Header(text, "tollgate_request_duration_seconds", "histogram", "Time from receiving a request to the end of the provider's response.");
        var durations = _durations.ToArray();
        Array.Sort(durations, static (a, b) => a.Key.CompareTo(b.Key));
        foreach (var (key, d) in durations)
        {
            long cumulative = 0;
            for (var i = 0; i < DurationBuckets.Length; i++)
            {
                cumulative += Volatile.Read(ref d.Buckets[i]);
                text.Append("tollgate_request_duration_seconds_bucket{").Labels(key).Append(",le=\"")
                    .Append(DurationBuckets[i].ToString(CultureInfo.InvariantCulture)).Append("\"} ").Append(cumulative).Append('\n');
            }

            cumulative += Volatile.Read(ref d.Buckets[DurationBuckets.Length]);
            text.Append("tollgate_request_duration_seconds_bucket{").Labels(key).Append(",le=\"+Inf\"} ").Append(cumulative).Append('\n');
            text.Append("tollgate_request_duration_seconds_sum{").Labels(key).Append("} ")
                .Append((Volatile.Read(ref d.SumMicros) / 1e6).ToString("0.######", CultureInfo.InvariantCulture)).Append('\n');
            text.Append("tollgate_request_duration_seconds_count{").Labels(key).Append("} ").Append(cumulative).Append('\n');
        }

        Header(text, "tollgate_requests_active", "gauge", "Requests in flight.");
        text.Append("tollgate_requests_active ").Append(Volatile.Read(ref _active)).Append('\n');

        Header(text, "tollgate_refusals_total", "counter", "Requests refused before reaching a provider, by reason.");
        foreach (var (reason, box) in _refusals.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append("tollgate_refusals_total{reason=\"").Append(Escape(reason)).Append("\"} ").Append(box.Read()).Append('\n');
        }

        AppendRuntime(text);

        if (BudgetRemaining is { } budgets)
        {
            Header(text, "tollgate_budget_remaining_usd", "gauge", "Remaining amount of each budget in its current window.");
            foreach (var (id, scope, remaining) in await budgets(cancellationToken))
            {
                text.Append("tollgate_budget_remaining_usd{budget=\"").Append(Escape(id)).Append("\",scope=\"").Append(Escape(scope)).Append("\"} ")
                    .Append(Money.Format(remaining)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>The process's own cost (CPU, allocations, collections, JIT), read at scrape time so requests pay nothing for it.</summary>
    private static void AppendRuntime(StringBuilder text)
    {
        Header(text, "process_cpu_seconds_total", "counter", "CPU time (user and system) used by the gateway process.");
        text.Append("process_cpu_seconds_total ").Append(Environment.CpuUsage.TotalTime.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
        Header(text, "dotnet_gc_allocated_bytes_total", "counter", "Bytes allocated on the managed heap since the process started.");
        text.Append("dotnet_gc_allocated_bytes_total ").Append(GC.GetTotalAllocatedBytes(precise: true)).Append('\n');
        Header(text, "dotnet_gc_collections_total", "counter", "Garbage collections since the process started, by generation.");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            text.Append("dotnet_gc_collections_total{generation=\"").Append(generation).Append("\"} ").Append(GC.CollectionCount(generation)).Append('\n');
        }

        Header(text, "dotnet_gc_pause_seconds_total", "counter", "Time the managed heap's collections paused the process.");
        text.Append("dotnet_gc_pause_seconds_total ").Append(GC.GetTotalPauseDuration().TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture)).Append('\n');
        Header(text, "dotnet_jit_compilation_seconds_total", "counter", "Time spent compiling methods (tiered JIT) since the process started.");
        text.Append("dotnet_jit_compilation_seconds_total ").Append(System.Runtime.JitInfo.GetCompilationTime().TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    internal static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public void Dispose() => _meter.Dispose();

    internal readonly record struct CallKey(string Provider, string Model, int Status) : IComparable<CallKey>
    {
        public int CompareTo(CallKey other)
        {
            var c = string.CompareOrdinal(Provider, other.Provider);
            if (c == 0)
            {
                c = string.CompareOrdinal(Model, other.Model);
            }

            return c != 0 ? c : Status.CompareTo(other.Status);
        }
    }

    internal readonly record struct ModelKey(string Provider, string Model) : IComparable<ModelKey>
    {
        public int CompareTo(ModelKey other)
        {
            var c = string.CompareOrdinal(Provider, other.Provider);
            return c != 0 ? c : string.CompareOrdinal(Model, other.Model);
        }
    }

    private sealed class CallSeries
    {
        public long Calls;
        public long CostNanos;
        public long InputTokens;
        public long OutputTokens;
    }

    private sealed class TenantSeries
    {
        public long Calls;
        public long CostNanos;
    }

    private sealed class DurationSeries
    {
        public readonly long[] Buckets = new long[DurationBuckets.Length + 1];
        public long SumMicros;

        public void Observe(double seconds)
        {
            var i = 0;
            while (i < DurationBuckets.Length && seconds > DurationBuckets[i])
            {
                i++;
            }

            Interlocked.Increment(ref Buckets[i]);
            Interlocked.Add(ref SumMicros, (long)(seconds * 1e6));
        }
    }

    private sealed class StrongBox
    {
        private long _value;

        public void Increment() => Interlocked.Increment(ref _value);

        public long Read() => Volatile.Read(ref _value);
    }
}

internal static class PrometheusText
{
    public static StringBuilder Labels(this StringBuilder text, GatewayMetrics.CallKey key) =>
        text.Append("provider=\"").Append(GatewayMetrics.Escape(key.Provider)).Append("\",model=\"").Append(GatewayMetrics.Escape(key.Model))
            .Append("\",status=\"").Append(key.Status).Append('"');

    public static StringBuilder Labels(this StringBuilder text, GatewayMetrics.ModelKey key) =>
        text.Append("provider=\"").Append(GatewayMetrics.Escape(key.Provider)).Append("\",model=\"").Append(GatewayMetrics.Escape(key.Model)).Append('"');
}
