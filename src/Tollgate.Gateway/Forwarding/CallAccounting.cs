using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Gateway.Observability;
using Tollgate.Ledger;
using Tollgate.Pricing;
using Tollgate.Routing;

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
    /// <summary>Output tokens assumed when a request sets no max_tokens and the catalog knows no context window.</summary>
    private const long UnknownMaxOutputTokens = 16_384;

    /// <summary>Records are handed to the ledger writer in bursts, so its batches (one transaction each) are large.</summary>
    private static readonly TimeSpan LedgerBurstInterval = TimeSpan.FromMilliseconds(50);

    [ThreadStatic]
    private static Usage? t_worstPlain;

    [ThreadStatic]
    private static Usage? t_worstReasoning;

    private readonly ConcurrentDictionary<(string Provider, string Model), ModelLookup> _lookups = new();
    private readonly ConcurrentQueue<UsageRecord> _ledgerQueue = new();
    private long _pendingLedgerWrites;
    private int _burstScheduled;

    public CostEngine Pricing => pricing;

    /// <summary>Prices through <see cref="CostEngine.Calculate(string, string, Usage, DateTimeOffset, CostContext)"/> so negotiated and volume discounts apply.</summary>
    public bool ApplyDiscounts { get; init; }

    /// <summary>The month's spend for volume-discount tiers; null when none are configured.</summary>
    public VolumeSpend? Volume { get; init; }

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

    /// <summary>The most a call can cost: all input uncached, <paramref name="maxOutput"/> at the higher of the output and reasoning rates.</summary>
    private decimal WorstCase(string provider, string model, long input, long maxOutput, DateTimeOffset at)
    {
        var lookup = Lookup(provider, model);
        if (!lookup.Found)
        {
            return Router.WorstCaseCost(pricing, provider, model, input, maxOutput, at) ?? 0m;
        }

        // Scratch usages (per thread; pricing reads them synchronously and keeps nothing): a Usage holds a counter for
        // every unit, so two fresh ones per request were a large share of the gateway's allocations.
        var plainUsage = t_worstPlain ??= new Usage();
        var reasoningUsage = t_worstReasoning ??= new Usage();
        plainUsage.InputTokens = input;
        plainUsage.OutputTokens = maxOutput;
        reasoningUsage.InputTokens = input;
        reasoningUsage.OutputTokens = maxOutput;
        reasoningUsage.ReasoningTokens = maxOutput;
        var plain = lookup.ComputeCost(plainUsage, at);
        var reasoning = lookup.ComputeCost(reasoningUsage, at);
        return Math.Max(plain.Priced ? plain.TotalCost : 0m, reasoning.Priced ? reasoning.TotalCost : 0m);
    }

    /// <summary>Counts prompt tokens and sets the worst-case output and cost to hold.</summary>
    public void Estimate(CallContext call, ReadOnlySpan<byte> body, in RequestInfo info)
    {
        call.EstimatedInputTokens = Math.Max(1, tokens.CountUtf8(call.UpstreamModel, body, info.PromptStart, info.PromptLength, info.SystemStart, info.SystemLength));
        if (call.Operation == "embeddings")
        {
            call.WorstCaseOutputTokens = 0;
        }
        else if (info.MaxOutputTokens is { } max)
        {
            call.WorstCaseOutputTokens = max;
        }
        else
        {
            var window = Lookup(call.Endpoint.PricedAs, call.UpstreamModel).ContextWindow;
            call.WorstCaseOutputTokens = window is { } w && w > call.EstimatedInputTokens ? w - call.EstimatedInputTokens : UnknownMaxOutputTokens;
        }

        call.WorstCaseCost = WorstCase(call.Endpoint.PricedAs, call.UpstreamModel, call.EstimatedInputTokens, call.WorstCaseOutputTokens, call.StartedAt);
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

        var decision = await budgets.ReserveAsync(subject, call.WorstCaseCost, call.RequestId, null, cancellationToken);
        if (decision.Allowed)
        {
            call.Hold = decision.Reservation;
            if (decision.Reservation is { Lines.Count: > 0 } reservation && budgetStatus is not null)
            {
                call.BudgetRemaining = await budgetStatus.RemainingAsync(reservation, cancellationToken);
            }

            return Admission.Allow;
        }

        if (decision.Trip is not { } trip)
        {
            return Admission.Refuse(429, decision.Strategy == BudgetStrategy.RefusedEmergencyThrottle ? "rate_limit_exceeded" : "budget_exceeded", decision.Reason, decision.RetryAfter);
        }

        var resets = trip.ResetsAt is { } at ? at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "never (lifetime budget)";
        var message = decision.Strategy == BudgetStrategy.RefusedPerRequestLimit
            ? $"budget '{trip.BudgetName}' (id {trip.BudgetId}) refuses this request: its worst case {Money.Format(trip.Needed)} {trip.Currency} is above the per-request limit {Money.Format(trip.Limit)} {trip.Currency}; lower max_tokens or use a cheaper model"
            : $"budget '{trip.BudgetName}' (id {trip.BudgetId}) is exhausted for this request: limit {Money.Format(trip.Limit)} {trip.Currency}, spent {Money.Format(trip.Spent)}, held {Money.Format(trip.Held)} by calls in flight, this request needs up to {Money.Format(trip.Needed)}; it resets at {resets}. Lower max_tokens, wait for the reset, or raise the budget.";
        var details = new Dictionary<string, object?>
        {
            ["budget"] = new Dictionary<string, object?>
            {
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
        return Admission.Refuse(429, "budget_exceeded", message, retryAfter, details);
    }

    /// <summary>Prices the usage the provider reported, or the counted estimate when it reported none.</summary>
    public Settlement Price(CallContext call, ResponseObserver observer, bool cutOff)
    {
        Usage usage;
        var estimated = false;
        if (observer.UsageReported && !(cutOff && observer.Usage.OutputTokens == 0 && observer.GeneratedText.Length > 0))
        {
            usage = observer.Usage;
        }
        else
        {
            // No usage from the provider (cut off before it arrived): bill what was counted, flagged as estimated.
            usage = observer.UsageReported ? observer.Usage.Clone() : new Usage();
            if (!usage.IsReported(UsageUnit.InputTokens))
            {
                usage.InputTokens = call.EstimatedInputTokens;
            }

            usage.OutputTokens = tokens.CountUtf8(call.UpstreamModel, observer.GeneratedText);
            estimated = true;
        }

        var cost = Cost(call.Endpoint.PricedAs, call.UpstreamModel, usage, call.StartedAt);
        return new Settlement(cost, usage, estimated, call.BudgetRemaining);
    }

    /// <summary>Settles one attempt that reached the provider: commits the hold to the cost, records it, updates metrics.</summary>
    public async ValueTask<Settlement> SettleAsync(CallContext call, ResponseObserver observer, int status, bool cutOff, CancellationToken cancellationToken, Settlement? priced = null)
    {
        Settlement settlement;
        if (status is >= 200 and < 300)
        {
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

        if (budgets is not null && call.Hold is BudgetReservation reservation)
        {
            call.Hold = null;
            await budgets.SettleAsync(reservation, settlement.Cost.Priced ? settlement.Cost.TotalCost : 0m, cancellationToken);
            if (reservation.Lines.Count > 0 && budgetStatus is not null)
            {
                settlement = settlement with { BudgetRemaining = await budgetStatus.RemainingAsync(reservation, cancellationToken) };
            }
        }

        var elapsed = time.GetElapsedTime(call.StartTimestamp);
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
            logger.LogWarning("request {RequestId}: {Provider}/{Model} is unpriced: {Reason}", call.RequestId, call.Endpoint.PricedAs, call.UpstreamModel, settlement.Cost.UnpricedReason);
        }

        Record(call, settlement, status, cutOff, elapsed);
        return settlement;
    }

    /// <summary>Gives back the hold of a call that never reached the provider (nothing billed, nothing recorded as spend).</summary>
    public async ValueTask ReleaseAsync(CallContext call, CancellationToken cancellationToken)
    {
        if (budgets is not null && call.Hold is BudgetReservation reservation)
        {
            call.Hold = null;
            await budgets.SettleAsync(reservation, 0m, cancellationToken);
        }
    }

    private void Record(CallContext call, Settlement settlement, int status, bool cutOff, TimeSpan elapsed)
    {
        if (ledger is null)
        {
            return;
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
            Usage = settlement.Usage,
            LatencyMs = (long)elapsed.TotalMilliseconds,
            Success = success,
            ErrorClass = success ? null : cutOff ? "cut_off" : $"http_{status}",
            Estimated = settlement.Estimated,

            // What UsageRecord.WithCost copies, set here so the record is built once.
            Currency = cost.Currency,
            InputCost = cost.InputCost,
            OutputCost = cost.OutputCost,
            TotalCost = cost.TotalCost,
            PriceSource = cost.PriceSource,
            Unpriced = !cost.Priced,
        };
        Interlocked.Increment(ref _pendingLedgerWrites);
        _ledgerQueue.Enqueue(record);
        if (Interlocked.CompareExchange(ref _burstScheduled, 1, 0) == 0)
        {
            _ = BurstAfterDelayAsync();
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
