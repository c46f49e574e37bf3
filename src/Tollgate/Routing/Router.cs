using System.Globalization;
using Tollgate.Costing;

namespace Tollgate.Routing;

/// <summary>
/// Picks the provider model for a request: candidates that can serve it (mode, context window, max output,
/// vision/tools/JSON, quality tier) minus disabled, unavailable, circuit-open and over-budget ones; then emergency
/// mode's cheapest, else the preferred provider, else the best weighted score (cost, latency, quality) whose
/// confidence clears the threshold. Every decision lists the ranked alternatives and why others were excluded.
/// </summary>
public sealed class Router
{
    private const int MaxQualityTier = 5;
    private readonly CapabilityCatalog _capabilities;
    private readonly ICostCalculator _costs;
    private readonly HealthMonitor _health;
    private readonly RoutingOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, ProviderDescriptor> _providers;

    public Router(
        IEnumerable<ProviderDescriptor> providers,
        CapabilityCatalog capabilities,
        ICostCalculator costs,
        HealthMonitor health,
        RoutingOptions? options = null,
        TimeProvider? timeProvider = null)
    {
        _providers = providers.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        _capabilities = capabilities;
        _costs = costs;
        _health = health;
        _options = options ?? new RoutingOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
    }

    public RoutingOptions Options => _options;

    /// <summary>Decides with the registry's current state.</summary>
    public async ValueTask<RouteDecision> RouteAsync(RouteRequest request, ProviderRegistry registry, CancellationToken cancellationToken = default) =>
        Decide(request, await registry.GetStateAsync(cancellationToken));

    /// <summary>Decides for <paramref name="request"/> under <paramref name="state"/>. Never throws for "nothing fits": that is a decision without a choice.</summary>
    public RouteDecision Decide(RouteRequest request, ProviderState state)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Model);
        var timestamp = request.Timestamp ?? _time.GetUtcNow();
        var (pinned, modelName) = SplitModel(request.Model);
        var requested = pinned is not null ? _capabilities.Find(pinned, modelName) : _capabilities.ByModel(modelName).FirstOrDefault(m => _providers.ContainsKey(m.Provider));
        var requestedKnown = requested is not null || _providers.Values.Any(p => p.Models.Contains(modelName, StringComparer.OrdinalIgnoreCase));
        var requiredTier = request.MinimumQualityTier ?? requested?.QualityTier ?? 1;
        var substitute = pinned is null && (request.AllowSubstitution ?? _options.AllowSubstitution) && (requested is not null || request.MinimumQualityTier is not null);

        var pool = Pool(request, pinned, modelName, substitute);
        if (pool.Count == 0)
        {
            var reason = pinned is not null
                ? $"provider '{pinned}' is not configured"
                : requestedKnown || substitute
                    ? $"no configured provider serves {request.Type.ToWireName()} with model '{modelName}'"
                    : $"model '{modelName}' is not offered by any configured provider: add it to a capabilities file or to a provider's models";
            return new RouteDecision { Reason = reason };
        }

        var evaluated = pool.Select(entry => Evaluate(entry.Capabilities, entry.Known, request, state, requiredTier, timestamp)).ToList();
        var scored = Score(evaluated.Where(c => c.IsEligible).ToList());
        var ranked = scored
            .OrderByDescending(c => c.Score)
            .ThenBy(c => c.WorstCaseCost ?? decimal.MaxValue)
            .ThenBy(c => c.Provider, StringComparer.Ordinal)
            .ThenBy(c => c.Model, StringComparer.Ordinal)
            .ToList();
        var excluded = evaluated.Where(c => !c.IsEligible)
            .OrderBy(c => c.Provider, StringComparer.Ordinal)
            .ThenBy(c => c.Model, StringComparer.Ordinal)
            .ToList();

        if (ranked.Count == 0)
        {
            var reasons = excluded.Select(c => $"{c.Provider}/{c.Model}: {c.Excluded}").Take(5);
            return new RouteDecision
            {
                Reason = $"nothing can serve this request ({string.Join("; ", reasons)}{(excluded.Count > 5 ? $"; and {excluded.Count - 5} more" : "")})",
                Alternatives = excluded,
            };
        }

        var (chosen, why) = Choose(request, state, ranked, excluded, modelName);
        return new RouteDecision
        {
            Chosen = chosen,
            Reason = why,
            Alternatives = ranked.Where(c => !ReferenceEquals(c, chosen)).Concat(excluded).ToList(),
        };
    }

    /// <summary>
    /// The most a call can cost: all input uncached plus <paramref name="maxOutputTokens"/> priced at the higher of
    /// the output and reasoning rates. Null when the model has no price.
    /// </summary>
    public static decimal? WorstCaseCost(ICostCalculator costs, string pricingProvider, string model, long inputTokens, long maxOutputTokens, DateTimeOffset timestamp)
    {
        var plain = new Usage { InputTokens = inputTokens, OutputTokens = maxOutputTokens };
        var asOutput = costs.Calculate(pricingProvider, model, plain, timestamp);
        if (!asOutput.Priced)
        {
            return null;
        }

        var reasoning = plain.Clone();
        reasoning.ReasoningTokens = maxOutputTokens;
        var asReasoning = costs.Calculate(pricingProvider, model, reasoning, timestamp);
        return asReasoning.Priced ? Math.Max(asOutput.TotalCost, asReasoning.TotalCost) : asOutput.TotalCost;
    }

    private (string? Provider, string Model) SplitModel(string model)
    {
        var slash = model.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && _providers.ContainsKey(model[..slash]))
        {
            return (model[..slash].ToLowerInvariant(), model[(slash + 1)..]);
        }

        return (null, model);
    }

    private List<(ModelCapabilities Capabilities, bool Known)> Pool(RouteRequest request, string? pinned, string modelName, bool substitute)
    {
        var pool = new List<(ModelCapabilities, bool)>();
        var seen = new HashSet<ProviderModelKey>();
        void Add(ModelCapabilities capabilities, bool known)
        {
            if (seen.Add(capabilities.Key))
            {
                pool.Add((capabilities, known));
            }
        }

        if (pinned is not null)
        {
            if (_providers.ContainsKey(pinned))
            {
                var known = _capabilities.Find(pinned, modelName);
                Add(known ?? Unknown(pinned, modelName, request.Type), known is not null);
            }

            return pool;
        }

        foreach (var capabilities in _capabilities.Models)
        {
            if (capabilities.Mode == request.Type && _providers.ContainsKey(capabilities.Provider) &&
                (substitute || string.Equals(capabilities.Model, modelName, StringComparison.OrdinalIgnoreCase)))
            {
                Add(capabilities, true);
            }
        }

        foreach (var provider in _providers.Values)
        {
            if (provider.Supports.Contains(request.Type) && provider.Models.Contains(modelName, StringComparer.OrdinalIgnoreCase) &&
                _capabilities.Find(provider.Name, modelName) is null)
            {
                Add(Unknown(provider.Name, modelName, request.Type), false);
            }
        }

        return pool;
    }

    private static ModelCapabilities Unknown(string provider, string model, GenerationType type) =>
        new() { Provider = provider, Model = model, Mode = type, QualityTier = 1 };

    private RouteCandidate Evaluate(ModelCapabilities capabilities, bool known, RouteRequest request, ProviderState state, int requiredTier, DateTimeOffset timestamp)
    {
        var provider = _providers[capabilities.Provider];
        var health = _health.GetModel(provider.Name, capabilities.Model);
        var maxOutput = request.Type == GenerationType.Embeddings
            ? 0
            : Metering.OutputBound.Total(
                Metering.OutputBound.PerChoice(request.MaxOutputTokens > 0 ? request.MaxOutputTokens : null, capabilities.MaxOutputTokens, capabilities.ContextWindow, request.InputTokens),
                request.Choices);
        decimal? worst = provider.PricingProviderId is { } pricingId
            ? WorstCaseCost(_costs, pricingId, capabilities.Model, request.InputTokens, maxOutput, timestamp)
            : null;
        var candidate = new RouteCandidate
        {
            Provider = provider.Name,
            Model = capabilities.Model,
            Capabilities = known ? capabilities : null,
            WorstCaseCost = worst,
            Health = health,
        };
        var missing = known ? MissingCapabilityOf(capabilities, request) : null;
        return candidate with { MissingCapability = missing, Oversize = OversizeOf(capabilities, request), Excluded = ExclusionOf(candidate, provider, capabilities, known, missing, request, state, requiredTier) };
    }

    /// <summary>Whether the request's own sizes rule the model out (the same tests as the exclusion, output limit first).</summary>
    private static string? OversizeOf(ModelCapabilities capabilities, RouteRequest request)
    {
        if (capabilities.MaxOutputTokens is { } maxOutput && request.MaxOutputTokens > maxOutput)
        {
            return RouteCandidate.OversizeMaxOutput;
        }

        return capabilities.ContextWindow is { } window && request.InputTokens + request.MaxOutputTokens > window ? RouteCandidate.OversizeContext : null;
    }

    private static string? MissingCapabilityOf(ModelCapabilities capabilities, RouteRequest request) =>
        request.NeedsVision && !capabilities.Vision ? ModelCapabilities.VisionName
        : request.NeedsTools && !capabilities.Tools ? ModelCapabilities.ToolsName
        : request.NeedsJsonSchema && !capabilities.JsonSchema ? ModelCapabilities.JsonSchemaName
        : null;

    private string? ExclusionOf(RouteCandidate candidate, ProviderDescriptor provider, ModelCapabilities capabilities, bool known, string? missingCapability, RouteRequest request, ProviderState state, int requiredTier)
    {
        if (provider.UnavailableReason is { } unavailable)
        {
            return unavailable;
        }

        if (!state.IsProviderEnabled(provider.Name))
        {
            return "provider disabled";
        }

        if (!state.IsModelEnabled(provider.Name, capabilities.Model))
        {
            return "model disabled";
        }

        if (known && capabilities.QualityTier < requiredTier)
        {
            return $"quality tier {capabilities.QualityTier} below the required {requiredTier}";
        }

        var needed = request.InputTokens + request.MaxOutputTokens;
        if (capabilities.ContextWindow is { } window && needed > window)
        {
            return $"context window {window} < {request.InputTokens} input + {request.MaxOutputTokens} max output tokens";
        }

        if (capabilities.MaxOutputTokens is { } maxOutput && request.MaxOutputTokens > maxOutput)
        {
            return $"max output {maxOutput} tokens < {request.MaxOutputTokens} requested";
        }

        if (missingCapability is not null)
        {
            return $"no {missingCapability} support";
        }

        if (!_health.IsAvailable(provider.Name, capabilities.Model))
        {
            if (_health.ThrottledUntil(provider.Name, capabilities.Model) is { } throttled)
            {
                return $"rate limited by the provider until {throttled.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}";
            }

            var snapshot = candidate.Health;
            return snapshot.OpenUntil is { } until
                ? $"circuit open until {until.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}"
                : "circuit half-open: a probe call is in flight";
        }

        if (request.BudgetLimit is { } limit)
        {
            if (candidate.WorstCaseCost is not { } worst)
            {
                return "unpriced: the per-request budget limit cannot be checked";
            }

            if (worst > limit)
            {
                return $"worst-case cost ${Money.Format(worst)} over the per-request limit ${Money.Format(limit)}";
            }
        }

        if (request.RemainingBudget is { } remaining)
        {
            if (candidate.WorstCaseCost is not { } worst)
            {
                return "unpriced: the remaining budget cannot be checked";
            }

            if (worst > remaining)
            {
                return $"worst-case cost ${Money.Format(worst)} over the remaining budget ${Money.Format(remaining)}";
            }
        }

        return null;
    }

    private List<RouteCandidate> Score(List<RouteCandidate> eligible)
    {
        var priced = eligible.Where(c => c.WorstCaseCost is not null).Select(c => c.WorstCaseCost!.Value).ToList();
        var cheapest = priced.Count > 0 ? priced.Min() : 0m;
        var latencies = eligible.Where(c => c.Health.LatencyP50 is not null).Select(c => c.Health.LatencyP50!.Value.TotalMilliseconds).ToList();
        var fastest = latencies.Count > 0 ? Math.Max(1, latencies.Min()) : 1;
        var weights = _options.CostWeight + _options.LatencyWeight + _options.QualityWeight;
        return eligible.Select(candidate =>
        {
            var costScore = candidate.WorstCaseCost is { } cost ? (cost <= 0 ? 1.0 : (double)(cheapest / cost)) : 0.5;
            var latencyScore = candidate.Health.LatencyP50 is { } p50 ? fastest / Math.Max(1, p50.TotalMilliseconds) : 0.5;
            var qualityScore = (candidate.Capabilities?.QualityTier ?? 1) / (double)MaxQualityTier;
            var score = (_options.CostWeight * costScore + _options.LatencyWeight * latencyScore + _options.QualityWeight * qualityScore) / weights;
            var confidence = (_options.CostWeight * (candidate.WorstCaseCost is null ? 0 : 1) +
                              _options.LatencyWeight * Math.Min(1.0, candidate.Health.Samples / (double)_options.LatencySamplesForConfidence) +
                              _options.QualityWeight * (candidate.Capabilities is null ? 0 : 1)) / weights;
            return candidate with { Score = Math.Round(score, 6), Confidence = Math.Round(confidence, 6) };
        }).ToList();
    }

    private (RouteCandidate Chosen, string Reason) Choose(RouteRequest request, ProviderState state, List<RouteCandidate> ranked, List<RouteCandidate> excluded, string modelName)
    {
        if (request.Emergency ?? _options.EmergencyMode)
        {
            var cheapest = ranked.Where(c => c.WorstCaseCost is not null).OrderBy(c => c.WorstCaseCost).ThenByDescending(c => c.Score).FirstOrDefault() ?? ranked[0];
            return (cheapest, "emergency mode: cheapest eligible candidate");
        }

        var note = "";
        if (state.PreferredFor(request.Type) is { } preferred)
        {
            var mine = ranked.Where(c => c.Provider == preferred).ToList();
            if (mine.Count > 0)
            {
                var pick = mine.FirstOrDefault(c => string.Equals(c.Model, modelName, StringComparison.OrdinalIgnoreCase)) ?? mine[0];
                return (pick, $"preferred provider '{preferred}' for {request.Type.ToWireName()}");
            }

            var blocked = excluded.Where(c => c.Provider == preferred).ToList();
            var example = blocked.FirstOrDefault(c => string.Equals(c.Model, modelName, StringComparison.OrdinalIgnoreCase)) ?? blocked.FirstOrDefault();
            note = example is null
                ? $"; preferred provider '{preferred}' offers no suitable model"
                : $"; preferred provider '{preferred}' passed over: {example.Excluded}";
        }

        var confident = ranked.FirstOrDefault(c => c.Confidence >= _options.MinimumConfidence);
        if (confident is not null)
        {
            return (confident, $"highest score (weights cost {_options.CostWeight}, latency {_options.LatencyWeight}, quality {_options.QualityWeight}; confidence {confident.Confidence:0.00}){note}");
        }

        var requested = ranked.FirstOrDefault(c => string.Equals(c.Model, modelName, StringComparison.OrdinalIgnoreCase));
        return requested is not null
            ? (requested, $"no score reached the minimum confidence {_options.MinimumConfidence}: kept the requested model{note}")
            : (ranked[0], $"highest score, below the minimum confidence {_options.MinimumConfidence} (confidence {ranked[0].Confidence:0.00}){note}");
    }
}
