using Tollgate.Costing;
using Tollgate.Routing;

namespace Tollgate.Providers.Routing;

/// <summary>
/// Routes an OpenAI-format chat request and sends it down the fallback chain: decide (<see cref="Router"/>), then try
/// the chosen provider model, its backup and the ranked alternatives with retries (<see cref="FallbackExecutor"/>).
/// Each try is reported once through <c>onAttempt</c> (one ledger row per attempt) and recorded in the provider
/// statistics. The body is forwarded untouched when the chosen model is the requested one.
/// </summary>
public sealed class ChatRouter
{
    private readonly ProviderSet _providers;
    private readonly Router _router;
    private readonly ProviderRegistry _registry;
    private readonly FallbackExecutor _executor;
    private readonly ICostCalculator? _costs;
    private readonly TimeProvider _time;

    public ChatRouter(ProviderSet providers, Router router, ProviderRegistry registry, FallbackExecutor executor, ICostCalculator? costs = null, TimeProvider? timeProvider = null)
    {
        _providers = providers;
        _router = router;
        _registry = registry;
        _executor = executor;
        _costs = costs;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// What routing needs from a chat request; <paramref name="inputTokens"/> is the counted prompt. A request without
    /// an output limit leaves it unset, so each candidate's worst case follows the one output rule
    /// (<see cref="Metering.OutputBound"/>: the model's maximum output, else what its context window leaves).
    /// </summary>
    public static RouteRequest RouteRequestFor(ChatRequest request, long inputTokens) => new()
    {
        Model = request.Model,
        Type = GenerationType.Chat,
        InputTokens = inputTokens,
        MaxOutputTokens = request.MaxOutputTokens ?? 0,
        NeedsVision = request.UsesImages,
        NeedsTools = request.UsesTools,
        NeedsJsonSchema = request.UsesJsonOutput,
    };

    /// <summary>
    /// Routes and sends. The result holds the decision, every attempt and the final response (the success, or the
    /// last failure); a decision without a choice sends nothing. The caller owns and disposes the final response.
    /// </summary>
    public async Task<RoutedChatResult> SendAsync(
        ChatRequest request,
        RouteRequest route,
        Func<ProviderAttempt, ValueTask>? onAttempt = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(route);
        var decision = await _router.RouteAsync(route, _registry, cancellationToken);
        if (!decision.HasChoice)
        {
            return new RoutedChatResult { Decision = decision };
        }

        var plan = _executor.Plan(decision, _providers.Descriptors);
        var attempts = new List<ProviderAttempt>();
        var result = await _executor.ExecuteAsync<ProviderResponse>(
            plan,
            async (candidate, token) =>
            {
                var adapter = _providers.Adapter(candidate.Provider)
                    ?? throw new InvalidOperationException($"no adapter for provider '{candidate.Provider}'");
                var response = await adapter.SendChatAsync(request.WithModel(candidate.Model), token);
                return new AttemptResult<ProviderResponse>(response, OutcomeOf(response), response.Failure?.RetryAfter, response.Failure?.Message,
                    BackPressure: response.Failure?.Kind == ProviderFailureKind.RateLimited);
            },
            async (record, attempt) =>
            {
                var providerAttempt = new ProviderAttempt(record, attempt.Value);
                attempts.Add(providerAttempt);
                await RecordStatsAsync(record, attempt.Value, cancellationToken);
                if (onAttempt is not null)
                {
                    await onAttempt(providerAttempt);
                }
            },
            cancellationToken);

        // Failed responses other than the last hold no connection (their bodies were read); dispose them anyway.
        foreach (var attempt in attempts)
        {
            if (attempt.Response is { } response && !ReferenceEquals(response, result.Value))
            {
                await response.DisposeAsync();
            }
        }

        return new RoutedChatResult
        {
            Decision = decision,
            Response = result.Value,
            Candidate = result.Candidate,
            Attempts = attempts,
            Skipped = result.Skipped,
        };
    }

    /// <summary>How a provider response steers the fallback chain.</summary>
    public static AttemptOutcome OutcomeOf(ProviderResponse response)
    {
        if (response.IsSuccess)
        {
            return AttemptOutcome.Success;
        }

        return response.Failure?.Kind switch
        {
            ProviderFailureKind.RateLimited or ProviderFailureKind.ServerError or ProviderFailureKind.Timeout or ProviderFailureKind.Network => AttemptOutcome.Retryable,
            ProviderFailureKind.Unauthorized or ProviderFailureKind.MissingApiKey => AttemptOutcome.NextCandidate,
            ProviderFailureKind.ClientError when response.StatusCode == 404 => AttemptOutcome.NextCandidate,
            _ => AttemptOutcome.Fatal,
        };
    }

    private async ValueTask RecordStatsAsync(AttemptRecord record, ProviderResponse? response, CancellationToken cancellationToken)
    {
        long costNanos = 0;
        if (_costs is not null && response?.Usage is { } usage &&
            _providers.OptionsFor(record.Candidate.Provider)?.PricingProviderId is { } pricingId)
        {
            var cost = _costs.Calculate(pricingId, response.Model, usage, _time.GetUtcNow());
            costNanos = cost.Priced ? Money.ToNanos(cost.TotalCost) : 0;
        }

        await _registry.Store.RecordCallAsync(
            new ProviderCallRecord(record.Candidate.Provider, record.Candidate.Model, record.Outcome == AttemptOutcome.Success, record.Duration, costNanos, _time.GetUtcNow()),
            cancellationToken);
    }
}

/// <summary>One try of a routed call and the provider's answer to it.</summary>
/// <param name="Record">Which candidate, which try, how it ended, how long it took.</param>
/// <param name="Response">The provider response (null when the attempt threw before one existed).</param>
public sealed record ProviderAttempt(AttemptRecord Record, ProviderResponse? Response);

/// <summary>The outcome of <see cref="ChatRouter.SendAsync"/>.</summary>
public sealed record RoutedChatResult
{
    public required RouteDecision Decision { get; init; }

    /// <summary>The successful response, or the last failure; null when nothing was sent.</summary>
    public ProviderResponse? Response { get; init; }

    public RouteCandidate? Candidate { get; init; }

    public IReadOnlyList<ProviderAttempt> Attempts { get; init; } = [];

    public IReadOnlyList<(RouteCandidate Candidate, string Reason)> Skipped { get; init; } = [];

    public bool Succeeded => Response?.IsSuccess == true;
}
