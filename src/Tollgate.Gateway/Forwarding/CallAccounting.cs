using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Tollgate.Alerts;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Gateway.Observability;
using Tollgate.Ledger;
using Tollgate.Metering;
using Tollgate.Pricing;
using Tollgate.Tokens;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The money side of a call: estimate the worst case, hold it against every budget that applies, price what the
/// provider reported (or what was counted when a stream was cut off), settle the hold, and hand one ledger record
/// per attempt to the batching <see cref="LedgerWriter"/> (off the request path).
/// </summary>
internal sealed class CallAccounting(
    CostEngine pricing,
    PromptEstimator tokens,
    IBudgetGate? budgets,
    BudgetStatusCache? budgetStatus,
    RateLimitGate? rateLimits,
    LedgerWriter? ledger,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<CallAccounting> logger)
{
    /// <summary>What a refused unpriced call is told to do.</summary>
    private const string UnpricedFix = "give the model a price (pricing.fallbackPrices in the gateway configuration, or a price override file), or call a model the catalog prices";

    /// <summary>Records are handed to the ledger writer in bursts, so its batches (one transaction each) are large.</summary>
    private static readonly TimeSpan LedgerBurstInterval = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<(string Provider, string Model), ModelLookup> _lookups = new();
    private readonly ConcurrentDictionary<(string Provider, string Model), int?> _maxOutputs = new();
    private readonly ConcurrentQueue<UsageRecord> _ledgerQueue = new();
    private long _pendingLedgerWrites;
    private int _burstScheduled;

    private long _unrecorded;
    private SettlementRetrier? _settlements;

    public CostEngine Pricing => pricing;

    /// <summary>
    /// True (<c>ledgerDurability: durable</c>, the default): <see cref="SettleAsync"/> completes only once the call's record
    /// is durable, so nothing a client was answered for is lost on a crash. False (<c>relaxed</c>): records are handed
    /// to the writer in bursts every 50 ms after the answer.
    /// </summary>
    public bool DurableLedger { get; init; }

    /// <summary>Durable appends that neither the store nor the spool took (each was logged and its answer withheld).</summary>
    public long UnrecordedCalls => Interlocked.Read(ref _unrecorded);

    /// <summary>Prices through <see cref="CostEngine.Calculate(string, string, Usage, DateTimeOffset, CostContext)"/> so negotiated and volume discounts apply.</summary>
    public bool ApplyDiscounts { get; init; }

    /// <summary>The month's spend for volume-discount tiers; null when none are configured.</summary>
    public VolumeSpend? Volume { get; init; }

    /// <summary>The models' maximum output (routing's capability catalog, else Tollgate's built-in table), for <see cref="OutputBound"/>.</summary>
    public IModelLimits Limits { get; init; } = ModelOutputLimits.BuiltIn;

    /// <summary>When provider-reported usage is billed as it stands (see <see cref="UsageCheck"/>).</summary>
    public UsageCheck UsageCheck { get; init; } = UsageCheck.Default;

    /// <summary>Cheaper models an adaptive budget or emergency mode may switch a request to (model → fallback on the same provider).</summary>
    public IReadOnlyDictionary<string, string> FallbackModels { get; init; } = new Dictionary<string, string>();

    /// <summary>Where an alert goes when a provider's usage could not be billed as reported; null: logged only.</summary>
    public AlertDispatcher? Alerts { get; init; }

    /// <summary>
    /// Records each call's request and prompt-prefix fingerprints (<c>requestFingerprints</c>, default on), which the
    /// response-cache and prompt-caching recommendations read; off saves their cost per call.
    /// </summary>
    public bool RequestFingerprints { get; init; } = true;

    /// <summary>The operator's opt-in (<c>showSharedBudgets</c>): refusals by shared budgets carry their figures too.</summary>
    public bool ShowSharedBudgets { get; init; }

    /// <summary>Automated responses checked at admission; settlements, refusals and unpriced models reported to the alerting.</summary>
    public Alerting.AlertSignals? Signals { get; init; }

    /// <summary>Records handed to the ledger writer and not yet durable.</summary>
    public long PendingLedgerWrites => Interlocked.Read(ref _pendingLedgerWrites);

    /// <summary>The catalog entry for a provider's model, resolved once (names clients send are bounded by routing: only served models get here).</summary>
    public ModelLookup Lookup(string provider, string model)
    {
        var key = (provider, model);
        return _lookups.TryGetValue(key, out var lookup) ? lookup : _lookups.GetOrAdd(key, k => pricing.Resolve(k.Provider, k.Model));
    }

    /// <summary>
    /// Prices <paramref name="usage"/> with the resolved model's price in force at <paramref name="at"/> through the
    /// catalog's allocation-free path; models the catalog does not know go through <see cref="CostEngine.Calculate(string, string, Usage, DateTimeOffset)"/>
    /// (fallback prices, the unpriced reason).
    /// </summary>
    public CostBreakdown Cost(string provider, string model, Usage usage, DateTimeOffset at)
    {
        if (ApplyDiscounts)
        {
            // USD always: budgets and the ledger count USD (the reporting currency applies to reports, not to the gateway's records).
            return pricing.Calculate(provider, model, usage, at, new CostContext(PeriodSpend: Volume?.Before(at), Currency: "USD"));
        }

        var lookup = Lookup(provider, model);
        if (!lookup.Found)
        {
            return pricing.Calculate(provider, model, usage, at);
        }

        var cost = lookup.ComputeCost(usage, at);
        if (!cost.Priced)
        {
            return pricing.Calculate(provider, model, usage, at);
        }

        return new CostBreakdown
        {
            Priced = true,
            InputCost = cost.InputCost,
            OutputCost = cost.OutputCost,
            TotalCost = cost.TotalCost,
            ProviderId = lookup.Provider?.Id,
            ModelId = lookup.Model?.Id,
            PriceSource = lookup.PriceSource,
        };
    }

    /// <summary>The model's maximum output tokens per completion, resolved once per (provider, model).</summary>
    private int? MaxOutput(string provider, string model)
    {
        var key = (provider, model);
        return _maxOutputs.TryGetValue(key, out var max) ? max : _maxOutputs.GetOrAdd(key, k => Limits.GetMaxOutputTokens(k.Provider, k.Model));
    }

    /// <summary>
    /// The request's fingerprints (<see cref="BodyFingerprint"/>), counted with the requested model's tokenizer; null when
    /// <see cref="RequestFingerprints"/> is off.
    /// </summary>
    internal Metering.Fingerprints.RequestFingerprint? Fingerprint(ReadOnlySpan<byte> body, string model, ProxyOperation operation) =>
        RequestFingerprints ? BodyFingerprint.Compute(body, model, operation, tokens.For(model)) : null;

    /// <summary>Counts prompt tokens and sets the worst-case output (<see cref="OutputBound"/>) and cost (<see cref="WorstCasePricer"/>) to hold.</summary>
    public void Estimate(CallContext call, ReadOnlySpan<byte> body, in RequestInfo info)
    {
        var input = tokens.CountUtf8(call.UpstreamModel, body, info.PromptStart, info.PromptLength, info.SystemStart, info.SystemLength);
        if (info.ToolsStart >= 0 || info.FunctionsStart >= 0)
        {
            call.ToolTokens = tokens.CountUtf8(call.UpstreamModel, body, info.ToolsStart, info.ToolsLength, info.FunctionsStart, info.FunctionsLength);
            input += call.ToolTokens;
        }

        call.EstimatedInputTokens = Math.Max(1, input);
        call.Choices = Math.Max(1, info.Choices);
        call.HasTools = (info.Needs & RequestNeeds.Tools) != 0;
        call.Temperature = info.Temperature;
        var lookup = Lookup(call.Endpoint.PricedAs, call.UpstreamModel);
        if (call.Operation == "embeddings")
        {
            call.WorstCaseOutputTokens = 0;
        }
        else
        {
            // The model's limits are looked up only when the request sets none (the common case sets max_tokens).
            var perChoice = info.MaxOutputTokens is > 0 and var asked
                ? asked
                : OutputBound.PerChoice(null, MaxOutput(call.Endpoint.PricedAs, call.UpstreamModel), lookup.ContextWindow, call.EstimatedInputTokens);
            call.WorstCaseOutputTokens = OutputBound.Total(perChoice, info.Choices);
        }

        call.WorstCaseCost = WorstCasePricer.Cost(lookup, pricing, call.Endpoint.PricedAs, call.UpstreamModel, call.EstimatedInputTokens, call.WorstCaseOutputTokens, call.StartedAt);
    }

    /// <summary>Holds the worst case against every budget that applies; a refusal names the budget and its numbers.</summary>
    public async ValueTask<Admission> AdmitAsync(CallContext call, CancellationToken cancellationToken)
    {
        var subject = new BudgetSubject
        {
            Tenant = call.Key.Tenant,
            Project = call.Key.Project,
            User = call.Key.User,
            KeyId = call.Key.Id,
            Provider = call.Endpoint.Name,
            Model = call.UpstreamModel,
        };
        if (call.Attempt == 1 && Signals?.Check(call.Key) is { } verdict)
        {
            // An automated response to an anomaly is in force for this caller's scope: refused, throttled, or in
            // emergency mode (every attempt then held and sent on the cheapest eligible model).
            if (!verdict.Emergency)
            {
                return verdict.RetryAfter is { } wait
                    ? Admission.Refuse(429, "rate_limit_exceeded", verdict.Message, wait)
                    : Admission.Refuse(403, "refused_by_alert_response", verdict.Message);
            }

            call.ScopedEmergency = true;
        }

        if (rateLimits is not null && call.Attempt == 1 && rateLimits.Enabled(call.Key))
        {
            var limited = await rateLimits.TryAcquireAsync(call.Key, subject, call.EstimatedInputTokens + call.WorstCaseOutputTokens, cancellationToken);
            if (!limited.Allowed)
            {
                var rule = limited.Rule is { } limitRule ? $"{limitRule.Dimension.ToString().ToLowerInvariant()} limit of {(limited.Metric == "tokens" ? $"{limitRule.TokensPerMinute} tokens" : $"{limitRule.RequestsPerMinute} requests")} per minute" : "rate limit";
                return Admission.Refuse(429, "rate_limit_exceeded",
                    $"rate limited: this request would exceed the {rule}{(limited.Reason is { } why ? $" ({why})" : "")}; retry after {Math.Max(1, (int)Math.Ceiling(limited.RetryAfter.TotalSeconds))}s",
                    limited.RetryAfter > TimeSpan.Zero ? limited.RetryAfter : TimeSpan.FromSeconds(1));
            }
        }

        if (budgets is null)
        {
            return Admission.Allow;
        }

        // The request's shape (what adaptive budgets and emergency mode may change) only when it can matter.
        var shape = (call.ScopedEmergency || budgets is BudgetGate { MayAdapt: true }) && call.WorstCaseCost is not null && call.Operation != "embeddings" ? Shape(call) : null;
        if (call.ScopedEmergency && shape is not null)
        {
            shape = shape with { ScopedEmergency = true };
        }

        var decision = await BudgetAdmission.ReserveAsync(budgets, subject, call.WorstCaseCost, call.RequestId, shape, refuseUnpriced: true, UnpricedFix, cancellationToken);
        if (decision.Allowed)
        {
            call.Hold = decision.Reservation;
            if (decision.Adaptation is { } adaptation)
            {
                // Degraded to fit: the body is patched to what was held (PassthroughForwarder, TranslatedForwarder), and billed as the model sent.
                call.Adaptation = adaptation;
                call.UpstreamModel = adaptation.Model;
                call.WorstCaseOutputTokens = (long)adaptation.MaxTokens * call.Choices;
                call.WorstCaseCost = adaptation.WorstCase;
            }

            if (decision.Reservation is { Lines.Count: > 0 } reservation && budgetStatus is not null)
            {
                call.BudgetRemaining = await budgetStatus.RemainingAsync(reservation, call.Key, cancellationToken);
            }

            return Admission.Allow;
        }

        if (decision.Strategy == BudgetStrategy.RefusedUnpriced)
        {
            return Admission.Refuse(403, "model_unpriced", decision.Reason);
        }

        if (decision.Trip is not { } trip)
        {
            return Admission.Refuse(429, decision.Strategy == BudgetStrategy.RefusedEmergencyThrottle ? "rate_limit_exceeded" : "budget_exceeded", decision.Reason, decision.RetryAfter);
        }

        Signals?.Refused(trip, call.RequestId);

        var resets = trip.ResetsAt is { } at ? at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "never (lifetime budget)";
        var message = decision.Strategy == BudgetStrategy.RefusedPerRequestLimit
            ? $"budget '{trip.BudgetName}' (id {trip.BudgetId}) refuses this request: its worst case {Money.Format(trip.Needed)} {trip.Currency} is above the per-request limit {Money.Format(trip.Limit)} {trip.Currency}; lower max_tokens or use a cheaper model"
            : $"budget '{trip.BudgetName}' (id {trip.BudgetId}) is exhausted for this request: limit {Money.Format(trip.Limit)} {trip.Currency}, spent {Money.Format(trip.Spent)}, held {Money.Format(trip.Held)} by calls in flight, this request needs up to {Money.Format(trip.Needed)}; it resets at {resets}. Lower max_tokens, wait for the reset, or raise the budget.";
        var details = new Dictionary<string, object?>
        {
            ["budget"] = new Dictionary<string, object?>
            {
                ["scope"] = trip.Scope is { } scope && call.Key is { } caller && BudgetVisibility.IsOwn(scope, caller) ? "own" : "shared",
                ["id"] = trip.BudgetId,
                ["name"] = trip.BudgetName,
                ["currency"] = trip.Currency,
                ["limit"] = Money.Format(trip.Limit),
                ["spent"] = Money.Format(trip.Spent),
                ["held"] = Money.Format(trip.Held),
                ["needed"] = Money.Format(trip.Needed),
                ["remaining"] = Money.Format(trip.Remaining),
                ["window"] = trip.WindowKey,
                ["resets_at"] = trip.ResetsAt,
            },
        };
        // Waiting helps only when calls in flight hold what this one needs (their holds settle within seconds); an
        // exhausted window or a per-request limit is not fixed by retrying, so no Retry-After that clients would sleep on.
        var retryAfter = decision.Strategy != BudgetStrategy.RefusedPerRequestLimit && trip.Held > 0 && trip.Spent + trip.Needed <= trip.Limit
            ? TimeSpan.FromSeconds(1)
            : (TimeSpan?)null;
        if (!ShowSharedBudgets && !(trip.Scope is { } tripScope && BudgetVisibility.IsOwn(tripScope, call.Key)))
        {
            // A budget that also counts other tenants' spend: the refusal says so, without its figures.
            return BudgetVisibility.SharedRefusal(decision.Strategy == BudgetStrategy.RefusedPerRequestLimit, trip, retryAfter);
        }

        return Admission.Refuse(429, "budget_exceeded", message, retryAfter, details);
    }

    /// <summary>What adaptive enforcement may change and what each part costs: prompt, tools, output per requested token (× completions).</summary>
    private BudgetRequestShape? Shape(CallContext call)
    {
        if (CostShape(call, call.UpstreamModel) is not { } model)
        {
            return null;
        }

        var fallback = FallbackModels.TryGetValue(call.UpstreamModel, out var cheaper) && !string.Equals(cheaper, call.UpstreamModel, StringComparison.Ordinal)
            ? CostShape(call, cheaper)
            : null;
        return new BudgetRequestShape
        {
            Model = model,
            MaxTokens = (int)Math.Min(int.MaxValue, call.WorstCaseOutputTokens / call.Choices),
            HasTools = call.HasTools,
            Temperature = call.Temperature,
            Fallback = fallback,
        };
    }

    private ModelCostShape? CostShape(CallContext call, string model)
    {
        const long PerMillion = 1_000_000;
        var pricedAs = call.Endpoint.PricedAs;
        var lookup = Lookup(pricedAs, model);
        var prompt = Math.Max(0, call.EstimatedInputTokens - call.ToolTokens);
        if (WorstCasePricer.Cost(lookup, pricing, pricedAs, model, prompt, 0, call.StartedAt) is not { } input
            || WorstCasePricer.Cost(lookup, pricing, pricedAs, model, prompt, PerMillion, call.StartedAt) is not { } withOutput)
        {
            return null;
        }

        var withTools = call.ToolTokens > 0 ? WorstCasePricer.Cost(lookup, pricing, pricedAs, model, prompt + call.ToolTokens, 0, call.StartedAt) ?? input : input;
        return new ModelCostShape(call.Endpoint.Name, model, input, (withOutput - input) / PerMillion * call.Choices) { ToolsInputCost = withTools - input };
    }

    /// <summary>Why the usage the provider reported cannot be billed as it stands (<see cref="UsageCheck"/>); null when it can or none was reported.</summary>
    public string? UsageProblem(CallContext call, ResponseObserver observer) =>
        observer.UsageReported ? UsageCheck.Problem(observer.Usage, observer.UsageMalformed, call.WorstCaseOutputTokens) : null;

    /// <summary>
    /// Prices the usage the provider reported; or, when it reported none (cut off before it arrived) or usage that
    /// cannot be billed (malformed, implausible), Tollgate's own count, flagged as estimated.
    /// </summary>
    public Settlement Price(CallContext call, ResponseObserver observer, bool cutOff)
    {
        var problem = UsageProblem(call, observer);
        if (problem is null && observer.UsageReported && call.FailureClass is null && !(cutOff && observer.Usage.OutputTokens == 0 && observer.GeneratedText.Length > 0))
        {
            try
            {
                var reported = Cost(call.Endpoint.PricedAs, call.UpstreamModel, observer.Usage, call.StartedAt);
                _ = Money.ToNanos(reported.TotalCost); // an amount no counter can hold is as implausible as its usage
                return new Settlement(reported, observer.Usage, false, call.BudgetRemaining);
            }
            catch (OverflowException)
            {
                problem = UsageCheck.ImplausibleClass;
            }
        }

        Usage usage;
        if (problem is null && observer.UsageReported)
        {
            // Cut off after the usage's input part arrived: keep what the provider said, count the output.
            usage = observer.Usage.Clone();
        }
        else
        {
            usage = new Usage();
        }

        if (!usage.IsReported(UsageUnit.InputTokens))
        {
            usage.InputTokens = call.EstimatedInputTokens;
        }

        usage.OutputTokens = tokens.CountUtf8(call.UpstreamModel, observer.GeneratedText);
        if (problem is not null)
        {
            ReportUsageProblem(call, problem);
        }

        var cost = Cost(call.Endpoint.PricedAs, call.UpstreamModel, usage, call.StartedAt);
        return new Settlement(cost, usage, true, call.BudgetRemaining, problem);
    }

    private void ReportUsageProblem(CallContext call, string problem)
    {
        var alert = UsageCheck.AlertFor(problem, call.RequestId, call.Endpoint.Name, call.UpstreamModel, time.GetUtcNow());
        logger.LogWarning("{Message}", alert.Message);
        if (Alerts is { } alerts)
        {
            _ = DispatchAsync(alerts, alert);
        }
    }

    private async Task DispatchAsync(AlertDispatcher alerts, Alert alert)
    {
        try
        {
            await alerts.DispatchAsync(alert, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogError("alert '{Kind}' could not be delivered: {Error}", alert.Kind, ex.Message);
        }
    }

    /// <summary>Settles one attempt that reached the provider: commits the hold to the cost, records it, updates metrics.</summary>
    public async ValueTask<Settlement> SettleAsync(CallContext call, ResponseObserver observer, int status, bool cutOff, CancellationToken cancellationToken, Settlement? priced = null)
    {
        Settlement settlement;
        if (status is >= 200 and < 300 || call.FailureClass is not null)
        {
            // A failure after the provider had the request (a timeout) is billed from Tollgate's own count, flagged.
            settlement = priced ?? Price(call, observer, cutOff);
        }
        else
        {
            // The provider refused the attempt: it billed nothing we know of. Recorded with zero usage.
            settlement = new Settlement(new CostBreakdown { Priced = true, ProviderId = call.Endpoint.PricedAs, ModelId = call.UpstreamModel, PriceSource = "provider-error" }, new Usage(), false, call.BudgetRemaining);
        }

        if (Volume is not null && settlement.Cost.Priced)
        {
            Volume.Add(call.StartedAt, settlement.Cost.TotalCost);
        }

        // The record first: once it is durable, a crash before the hold settles loses no spend on the default store
        // (in-process counters are rebuilt from the ledger at start). Durable mode waits here, before any byte of the
        // answer (or a stream's last event) reaches the client.
        var elapsed = time.GetElapsedTime(call.StartTimestamp);
        try
        {
            await RecordAsync(call, settlement, status, cutOff, elapsed);
        }
        catch (StoreUnavailableException) when (budgets is not null && call.Hold is BudgetReservation unrecorded)
        {
            // Not recorded (its answer is withheld), but the provider did the work: the budget still counts it.
            call.Hold = null;
            await TrySettleAsync(unrecorded, settlement.Cost.Priced ? settlement.Cost.TotalCost : 0m, cancellationToken);
            throw;
        }

        if (budgets is not null && call.Hold is BudgetReservation reservation)
        {
            call.Hold = null;
            var settled = await TrySettleAsync(reservation, settlement.Cost.Priced ? settlement.Cost.TotalCost : 0m, cancellationToken);
            if (settled && reservation.Lines.Count > 0)
            {
                Signals?.Settled(call.RequestId, reservation.Lines);
            }

            if (settled && reservation.Lines.Count > 0 && budgetStatus is not null)
            {
                try
                {
                    settlement = settlement with { BudgetRemaining = await budgetStatus.RemainingAsync(reservation, call.Key, cancellationToken) };
                }
                catch (Exception ex) when (StoreFailure.Is(ex))
                {
                    settlement = settlement with { BudgetRemaining = null };
                }
            }
        }

        if (call.Activity is { } activity)
        {
            activity.SetTag("gen_ai.usage.input_tokens", settlement.Usage.InputTokens);
            activity.SetTag("gen_ai.usage.output_tokens", settlement.Usage.OutputTokens);
            activity.SetTag("http.response.status_code", status);
            activity.SetTag("tollgate.cost", Money.Format(settlement.Cost.TotalCost));
            activity.SetTag("tollgate.cost_estimated", settlement.Estimated);
            if (status >= 400 || cutOff)
            {
                activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, cutOff ? "cut_off" : $"http_{status}");
            }
        }

        metrics.RecordCall(call.Endpoint.Name, call.UpstreamModel, status, Money.ToNanos(settlement.Cost.TotalCost),
            settlement.Usage.InputTokens, settlement.Usage.OutputTokens, elapsed.TotalSeconds, call.Operation, call.Key.Tenant);
        if (!settlement.Cost.Priced)
        {
            Signals?.Unpriced(call.Endpoint.PricedAs, call.UpstreamModel, settlement.Cost.UnpricedReason, call.RequestId);
            logger.LogWarning("request {RequestId}: {Provider}/{Model} is unpriced: {Reason}", call.RequestId, call.Endpoint.PricedAs, call.UpstreamModel, settlement.Cost.UnpricedReason);
        }

        return settlement;
    }

    /// <summary>Gives back the hold of a call that never reached the provider (nothing billed, nothing recorded as spend).</summary>
    public async ValueTask ReleaseAsync(CallContext call, CancellationToken cancellationToken)
    {
        if (budgets is not null && call.Hold is BudgetReservation reservation)
        {
            call.Hold = null;
            await TrySettleAsync(reservation, 0m, cancellationToken);
        }
    }

    /// <summary>
    /// Settles the hold; when the counters are unreachable the settlement is retried in the background (the hold stays
    /// counted as held meanwhile), so store trouble after the provider answered neither fails the answered call nor
    /// loses its spend. False when it was deferred.
    /// </summary>
    private async ValueTask<bool> TrySettleAsync(BudgetReservation reservation, decimal amount, CancellationToken cancellationToken)
    {
        try
        {
            await budgets!.SettleAsync(reservation, amount, cancellationToken);
            return true;
        }
        catch (Exception ex) when (StoreFailure.Is(ex))
        {
            logger.LogWarning("budget counters unavailable while settling {Reservation} ({Error}): retried in the background", reservation.Id, ex.GetType().Name);
            LazyInitializer.EnsureInitialized(ref _settlements, () => new SettlementRetrier(budgets!, time, logger)).Add(reservation, amount);
            return false;
        }
    }

    /// <summary>Settlements deferred by store trouble and not yet counted.</summary>
    public int DeferredSettlements => _settlements?.Pending ?? 0;

    /// <summary>Tries every deferred settlement now (tests, shutdown); true when none is left.</summary>
    public Task<bool> TrySettleDeferredAsync(CancellationToken cancellationToken) => _settlements?.TryDrainAsync(cancellationToken) ?? Task.FromResult(true);

    private ValueTask RecordAsync(CallContext call, Settlement settlement, int status, bool cutOff, TimeSpan elapsed)
    {
        if (ledger is null)
        {
            return ValueTask.CompletedTask;
        }

        var success = status is >= 200 and < 300 && !cutOff;
        var cost = settlement.Cost;
        var record = new UsageRecord
        {
            RequestId = call.RequestId,
            Attempt = call.Attempt,
            Timestamp = call.StartedAt,
            Provider = call.Endpoint.Name,
            Model = call.UpstreamModel,
            ApiFlavor = call.Operation == "chat" && call.Endpoint.Format == WireFormat.Anthropic && call.NativeMessages ? "messages" : call.Operation,
            Tenant = call.Key.Tenant,
            Project = call.Key.Project,
            User = call.Key.User,
            KeyId = call.Key.Id,
            SessionId = call.Attribution.SessionId,
            Tags = call.Attribution.Tags,
            RequestFingerprint = call.Fingerprint?.Request,
            PrefixFingerprint = call.Fingerprint?.Prefix,
            PrefixTokens = call.Fingerprint?.PrefixTokens ?? 0,
            Usage = settlement.Usage,
            LatencyMs = (long)elapsed.TotalMilliseconds,
            Success = success,
            ErrorClass = success ? settlement.UsageProblem : call.FailureClass ?? (cutOff ? "cut_off" : $"http_{status}"),
            Estimated = settlement.Estimated,

            // What UsageRecord.WithCost copies, set here so the record is built once.
            Currency = cost.Currency,
            InputCost = cost.InputCost,
            OutputCost = cost.OutputCost,
            TotalCost = cost.TotalCost,
            PriceSource = cost.PriceSource,
            Unpriced = !cost.Priced,
        };
        if (DurableLedger)
        {
            return AppendDurablyAsync(record);
        }

        Interlocked.Increment(ref _pendingLedgerWrites);
        _ledgerQueue.Enqueue(record);
        if (Interlocked.CompareExchange(ref _burstScheduled, 1, 0) == 0)
        {
            _ = BurstAfterDelayAsync();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Waits until the record is committed by the store or fsync'd into the writer's spool. Every call finishing while
    /// the writer stores a batch joins the next one, so under load one commit covers many calls (group commit).
    /// </summary>
    private async ValueTask AppendDurablyAsync(UsageRecord record)
    {
        Interlocked.Increment(ref _pendingLedgerWrites);
        try
        {
            await ledger!.AppendAsync(record, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not ArgumentException)
        {
            Interlocked.Increment(ref _unrecorded);
            logger.LogError("ledger record for request {RequestId} could not be written (store and spool failed): {Error}", record.RequestId, ex.Message);
            throw new StoreUnavailableException("the ledger store and its local spool are unavailable", ex);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingLedgerWrites);
        }
    }

    private async Task BurstAfterDelayAsync()
    {
        try
        {
            await Task.Delay(LedgerBurstInterval, time);
        }
        finally
        {
            Volatile.Write(ref _burstScheduled, 0);
            HandOverQueued();
        }
    }

    /// <summary>Hands every queued record to the writer at once (they land in one batch).</summary>
    private void HandOverQueued()
    {
        if (!_ledgerQueue.IsEmpty)
        {
            _ = HandOverAsync();
        }
    }

    /// <summary>
    /// Queues the records without a completion each, then asks the writer for one flush: one wake-up of the writer,
    /// one batch and one continuation per burst instead of one per record. A record counts as pending until the flush
    /// after it completes (durable, or failed and logged).
    /// </summary>
    private async Task HandOverAsync()
    {
        var handed = 0;
        while (_ledgerQueue.TryDequeue(out var record))
        {
            try
            {
                // Completes at once unless the writer's queue is full (then it waits for room: back-pressure, never a drop).
                await ledger!.EnqueueAsync(record, CancellationToken.None);
                handed++;
            }
            catch (Exception ex)
            {
                Interlocked.Decrement(ref _pendingLedgerWrites);
                logger.LogError("ledger record for request {RequestId} could not be written: {Error}", record.RequestId, ex.Message);
            }
        }

        if (handed == 0)
        {
            return;
        }

        try
        {
            await ledger!.FlushAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogError("{Count} ledger records could not be written: {Error}", handed, ex.Message);
        }
        finally
        {
            Interlocked.Add(ref _pendingLedgerWrites, -handed);
        }
    }

    /// <summary>Waits until every record handed to the writer is durable (tests, shutdown).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        HandOverQueued();
        while (Interlocked.Read(ref _pendingLedgerWrites) > 0)
        {
            HandOverQueued();
            await Task.Delay(5, cancellationToken);
        }
    }
}
