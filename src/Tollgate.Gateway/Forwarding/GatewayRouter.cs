using System.Collections.Concurrent;
using Tollgate.Pricing;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The gateway's side of the core routing (<see cref="Router"/>, <see cref="FallbackExecutor"/>, <see cref="HealthMonitor"/>,
/// <see cref="ProviderRegistry"/>): the configured endpoints as <see cref="ProviderDescriptor"/>s, and the fallback plan
/// for a request — the cost-aware choice first, then its backup and the ranked alternatives, restricted to endpoints
/// that speak the wire format the request needs.
/// </summary>
/// <remarks>
/// Deciding scores every candidate (prices, health snapshots); the gateway keeps each decision for
/// <see cref="DecisionLifetime"/> per (model, type, format, size class) and drops it as soon as the registry state
/// changes (admin enable / disable / prefer), so the hot path pays a dictionary lookup. Circuits are honoured per
/// attempt by the executor, which skips an open circuit even when a kept plan lists it.
/// </remarks>
internal sealed class GatewayRouter
{
    /// <summary>How long a decision is reused while the registry state is unchanged (latency scores move slowly).</summary>
    internal static readonly TimeSpan DecisionLifetime = TimeSpan.FromSeconds(1);

    private const int MaxCachedPlans = 10_000;

    private readonly Dictionary<string, UpstreamEndpoint> _byName;
    private readonly ConcurrentDictionary<PlanKey, CachedPlan> _plans = new();
    private readonly long _lifetimeTicks;
    private readonly TimeProvider _time;
    private readonly CostEngine _pricing;

    public GatewayRouter(
        IReadOnlyList<UpstreamEndpoint> endpoints,
        CostEngine pricing,
        HealthMonitor health,
        ProviderRegistry registry,
        CapabilityCatalog capabilities,
        RoutingOptions routing,
        FallbackOptions fallback,
        TimeProvider time)
    {
        Endpoints = endpoints;
        Registry = registry;
        Health = health;
        Descriptors = registry.Providers.ToList();
        Capabilities = capabilities;
        _byName = endpoints.ToDictionary(e => e.Name, StringComparer.OrdinalIgnoreCase);
        Router = new Router(Descriptors, capabilities, pricing, health, routing, time);
        Executor = new FallbackExecutor(fallback, health, time);
        _time = time;
        _pricing = pricing;
        _lifetimeTicks = (long)(DecisionLifetime.TotalSeconds * time.TimestampFrequency);
    }

    public IReadOnlyList<UpstreamEndpoint> Endpoints { get; }

    public IReadOnlyList<ProviderDescriptor> Descriptors { get; }

    public Router Router { get; }

    /// <summary>The capability catalog routing uses (also the source of each model's output limit).</summary>
    public CapabilityCatalog Capabilities { get; }

    public FallbackExecutor Executor { get; }

    public ProviderRegistry Registry { get; }

    public HealthMonitor Health { get; }

    /// <summary>
    /// The descriptors routing sees: each endpoint serves its configured models plus every model its catalog provider
    /// prices under that exact name (ids the catalog only matches in another spelling are left out), for chat and embeddings.
    /// One configured without the key it needs is unavailable.
    /// </summary>
    public static List<ProviderDescriptor> DescribeEndpoints(IEnumerable<UpstreamEndpoint> endpoints, CostEngine pricing) =>
        endpoints.Select(e => new ProviderDescriptor
        {
            Name = e.Name,
            PricingProviderId = e.PricedAs,
            Backup = e.Options.Backup?.ToLowerInvariant(),
            // A provider configured without the key it needs would only answer 401: routing passes it over, saying why.
            UnavailableReason = e.Options.RequiresApiKey && e.ApiKey is null ? e.Options.MissingKeyReason(_ => null) : null,
            Models = new ServedModels(e.ExtraModels.Concat((pricing.Catalog.GetProvider(e.PricedAs)?.Models.Select(m => m.Id) ?? []).Where(id => pricing.Resolve(e.PricedAs, id).Found)).Distinct(StringComparer.OrdinalIgnoreCase)),
            Supports = [GenerationType.Chat, GenerationType.Embeddings],
        }).ToList();

    public UpstreamEndpoint? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>
    /// The attempts to make, best first, among models with the capabilities the request uses; an empty plan carries
    /// the reason and whether the model is unknown.
    /// </summary>
    public async ValueTask<RoutePlan> PlanAsync(string model, GenerationType type, WireFormat? required, int promptBytes, long? maxOutputTokens, int choices, RequestNeeds needs, CancellationToken cancellationToken)
    {
        var state = await Registry.GetStateAsync(cancellationToken);

        // Size class: prompt bytes / 2 (a generous token estimate) rounded up to a power of two, so a kept decision
        // was made for at least this request's size (context windows are checked against the larger figure).
        var inputClass = (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, promptBytes / 2));
        var key = new PlanKey(model, type, required is { } f ? (int)f : -1, inputClass, maxOutputTokens ?? -1, Math.Max(1, choices), needs);
        var now = _time.GetTimestamp();
        if (_plans.TryGetValue(key, out var cached) && ReferenceEquals(cached.State, state) && now < cached.Expires)
        {
            return cached.Plan;
        }

        var plan = Plan(new RouteRequest
        {
            Model = model,
            Type = type,
            InputTokens = inputClass,
            // Unset: 0, and each candidate's worst case follows the one output rule (OutputBound), as the hold does.
            MaxOutputTokens = maxOutputTokens ?? 0,
            Choices = Math.Max(1, choices),
            NeedsVision = needs.HasFlag(RequestNeeds.Vision),
            NeedsTools = needs.HasFlag(RequestNeeds.Tools),
            NeedsJsonSchema = needs.HasFlag(RequestNeeds.JsonSchema),
        }, required, state);
        if (_plans.Count < MaxCachedPlans || _plans.ContainsKey(key))
        {
            _plans[key] = new CachedPlan(state, now + _lifetimeTicks, plan);
        }

        return plan;
    }

    /// <summary>The plan for a request described directly (<c>tollgate route explain</c>), made as for a proxied one.</summary>
    internal async ValueTask<RoutePlan> PlanAsync(RouteRequest request, WireFormat? required, CancellationToken cancellationToken) =>
        Plan(request, required, await Registry.GetStateAsync(cancellationToken));

    private RoutePlan Plan(RouteRequest request, WireFormat? required, ProviderState state)
    {
        LearnAliases(request.Model);
        var decision = Router.Decide(request, state);
        var chain = Executor.Plan(decision, Descriptors)
            .Where(c => _byName.TryGetValue(c.Provider, out var e) && (required is null || e.Format == required))
            .ToArray();
        return new RoutePlan(decision, chain, Unknown: !decision.HasChoice && decision.Alternatives.Count == 0);
    }

    /// <summary>
    /// A name the catalog prices through a declared alias or match rule (<c>claude-3-5-haiku-20241022</c>) is served by
    /// the providers whose catalog resolves it: added to their model lists the first time it is asked for.
    /// </summary>
    private void LearnAliases(string model)
    {
        if (model.Contains('/', StringComparison.Ordinal))
        {
            return;
        }

        foreach (var descriptor in Descriptors)
        {
            if (descriptor.Models is ServedModels served && !served.Contains(model) && descriptor.PricingProviderId is { } pricedAs &&
                _pricing.Resolve(pricedAs, model).Found)
            {
                served.Add(model);
            }
        }
    }

    private readonly record struct PlanKey(string Model, GenerationType Type, int Format, long InputClass, long MaxOutput, int Choices, RequestNeeds Needs);

    private sealed record CachedPlan(ProviderState State, long Expires, RoutePlan Plan);
}

/// <summary>A routing decision and the candidates to try for it, in order.</summary>
/// <param name="Decision">The core router's decision (with its explanation).</param>
/// <param name="Chain">The chosen candidate, its backup and the ranked alternatives that speak the needed format.</param>
/// <param name="Unknown">True when no configured provider offers the model at all (404 rather than 503).</param>
internal sealed record RoutePlan(RouteDecision Decision, RouteCandidate[] Chain, bool Unknown)
{
    /// <summary>
    /// The capability every candidate lacks when that alone rules them all out (an image sent to a text-only model):
    /// the request, not the providers, is at fault.
    /// </summary>
    public string? MissingCapability =>
        Chain.Length == 0 && Decision.Alternatives.Count > 0 && Decision.Alternatives.All(a => a.MissingCapability is not null)
            ? Decision.Alternatives[0].MissingCapability
            : null;

    /// <summary>
    /// The candidate that comes closest when every candidate is too small for the request itself (output limit above
    /// each model's maximum, or prompt plus output beyond each context window): the request is at fault, not the providers.
    /// </summary>
    public RouteCandidate? Oversize =>
        Chain.Length == 0 && Decision.Alternatives.Count > 0 && Decision.Alternatives.All(a => a.Oversize is not null)
            ? Decision.Alternatives.MaxBy(a => a.Capabilities?.ContextWindow ?? 0)
            : null;
}

/// <summary>A provider's model names: read lock-free by the router, added to (rarely) by alias discovery.</summary>
internal sealed class ServedModels(IEnumerable<string> initial) : IReadOnlyList<string>
{
    private readonly Lock _gate = new();
    private string[] _items = initial.ToArray();

    public int Count => Volatile.Read(ref _items).Length;

    public string this[int index] => Volatile.Read(ref _items)[index];

    public bool Contains(string model) => Array.Exists(Volatile.Read(ref _items), m => string.Equals(m, model, StringComparison.OrdinalIgnoreCase));

    public void Add(string model)
    {
        lock (_gate)
        {
            if (!Contains(model))
            {
                Volatile.Write(ref _items, [.. _items, model]);
            }
        }
    }

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)Volatile.Read(ref _items)).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
