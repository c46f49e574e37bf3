using Microsoft.Extensions.Logging;
using Tollgate.Costing;
using Tollgate.Gateway.Observability;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The money side of a call: estimate the worst case, admit (rate limits, budget holds), price what the provider
/// reported (or what was counted when a stream was cut off), settle the hold and hand the record to the ledger writer.
/// </summary>
internal sealed class CallAccounting(ICostCalculator? calculator, GatewayMetrics metrics, TimeProvider time, ILogger<CallAccounting> logger)
{
    private const long DefaultMaxOutputTokens = 4096;

    /// <summary>Counts prompt tokens and the worst-case output for the hold.</summary>
    public void Estimate(CallContext call, ReadOnlySpan<byte> body, in RequestInfo info)
    {
        call.EstimatedInputTokens = Math.Max(1, info.PromptBytes / 4);
        call.WorstCaseOutputTokens = call.Operation == "embeddings" ? 0 : info.MaxOutputTokens ?? DefaultMaxOutputTokens;
    }

    public ValueTask<Admission> AdmitAsync(CallContext call, CancellationToken cancellationToken) => ValueTask.FromResult(Admission.Allow);

    /// <summary>Prices the usage the provider reported, or the counted estimate when it reported none.</summary>
    public Settlement Price(CallContext call, ResponseObserver observer, bool cutOff)
    {
        Usage usage;
        var estimated = false;
        if (observer.UsageReported)
        {
            usage = observer.Usage;
        }
        else
        {
            usage = new Usage
            {
                InputTokens = call.EstimatedInputTokens,
                OutputTokens = CountTokens(observer.GeneratedText),
            };
            estimated = true;
        }

        if (!usage.IsReported(UsageUnit.Requests))
        {
            usage.Requests = 1;
        }

        var cost = calculator?.Calculate(call.Endpoint.PricedAs, call.UpstreamModel, usage, call.StartedAt)
                   ?? CostBreakdown.Unpriced("no price catalog is loaded", call.Endpoint.PricedAs);
        return new Settlement(cost, usage, estimated || (cutOff && !observer.UsageReported), call.BudgetRemaining);
    }

    /// <summary>Settles one attempt that reached the provider and records it (off the request path).</summary>
    public ValueTask<Settlement> SettleAsync(CallContext call, ResponseObserver observer, int status, bool cutOff, CancellationToken cancellationToken, Settlement? priced = null)
    {
        Settlement settlement;
        if (status is >= 200 and < 300)
        {
            settlement = priced ?? Price(call, observer, cutOff);
        }
        else
        {
            // A refused attempt: the provider billed nothing we know of; recorded with zero usage.
            settlement = new Settlement(new CostBreakdown { Priced = true, ProviderId = call.Endpoint.PricedAs, ModelId = call.UpstreamModel }, new Usage(), false, call.BudgetRemaining);
        }

        metrics.RecordCall(call.Endpoint.Name, call.UpstreamModel, status, Money.ToNanos(settlement.Cost.TotalCost),
            settlement.Usage.InputTokens, settlement.Usage.OutputTokens, time.GetElapsedTime(call.StartTimestamp).TotalSeconds, call.Operation);
        if (!settlement.Cost.Priced)
        {
            logger.LogWarning("request {RequestId}: {Provider}/{Model} is unpriced: {Reason}", call.RequestId, call.Endpoint.PricedAs, call.UpstreamModel, settlement.Cost.UnpricedReason);
        }

        return ValueTask.FromResult(settlement);
    }

    /// <summary>Gives back the hold of a call that never reached the provider.</summary>
    public ValueTask ReleaseAsync(CallContext call, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    private static long CountTokens(ReadOnlySpan<byte> text) => text.IsEmpty ? 0 : Math.Max(1, text.Length / 4);
}
