using Tollgate.Costing;

namespace Tollgate.Ledger;

/// <summary>Sums over a set of records. Money is kept in nano-units; the decimal properties convert.</summary>
public readonly record struct LedgerMetrics(
    long Requests,
    long InputTokens,
    long CacheReadTokens,
    long CacheWriteTokens,
    long OutputTokens,
    long ReasoningTokens,
    long CostNanos,
    long InputCostNanos,
    long OutputCostNanos,
    long Errors,
    long Estimated,
    long Unpriced,
    long LatencyMsSum)
{
    public decimal Cost => Money.FromNanos(CostNanos);

    public decimal InputCost => Money.FromNanos(InputCostNanos);

    public decimal OutputCost => Money.FromNanos(OutputCostNanos);

    /// <summary>
    /// The usage these sums add up to: the requests and the five summed units (what prices exactly from sums); without
    /// <paramref name="cacheReads"/> or <paramref name="cacheWrites"/> that unit is left unreported, as repricing a call
    /// without its cache drops it (its tokens stay in the input).
    /// </summary>
    public Tollgate.Costing.Usage SummedUsage(bool cacheReads = true, bool cacheWrites = true)
    {
        var usage = new Tollgate.Costing.Usage { Requests = Requests, InputTokens = InputTokens, OutputTokens = OutputTokens, ReasoningTokens = ReasoningTokens };
        if (cacheReads)
        {
            usage.CacheReadTokens = CacheReadTokens;
        }

        if (cacheWrites)
        {
            usage.CacheWriteTokens = CacheWriteTokens;
        }

        return usage;
    }

    public static LedgerMetrics Of(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var u = record.Usage;
        return new(1, u.InputTokens, u.CacheReadTokens, u.CacheWriteTokens, u.OutputTokens, u.ReasoningTokens,
            record.TotalCostNanos, record.InputCostNanos, record.OutputCostNanos, record.Success ? 0 : 1,
            record.Estimated ? 1 : 0, record.Unpriced ? 1 : 0, record.LatencyMs);
    }

    public static LedgerMetrics operator +(LedgerMetrics a, LedgerMetrics b) => new(
        a.Requests + b.Requests, a.InputTokens + b.InputTokens, a.CacheReadTokens + b.CacheReadTokens,
        a.CacheWriteTokens + b.CacheWriteTokens, a.OutputTokens + b.OutputTokens, a.ReasoningTokens + b.ReasoningTokens,
        a.CostNanos + b.CostNanos, a.InputCostNanos + b.InputCostNanos, a.OutputCostNanos + b.OutputCostNanos,
        a.Errors + b.Errors, a.Estimated + b.Estimated, a.Unpriced + b.Unpriced, a.LatencyMsSum + b.LatencyMsSum);

    public static LedgerMetrics operator -(LedgerMetrics a, LedgerMetrics b) => new(
        a.Requests - b.Requests, a.InputTokens - b.InputTokens, a.CacheReadTokens - b.CacheReadTokens,
        a.CacheWriteTokens - b.CacheWriteTokens, a.OutputTokens - b.OutputTokens, a.ReasoningTokens - b.ReasoningTokens,
        a.CostNanos - b.CostNanos, a.InputCostNanos - b.InputCostNanos, a.OutputCostNanos - b.OutputCostNanos,
        a.Errors - b.Errors, a.Estimated - b.Estimated, a.Unpriced - b.Unpriced, a.LatencyMsSum - b.LatencyMsSum);

    public LedgerMetrics Add(LedgerMetrics other) => this + other;

    public LedgerMetrics Subtract(LedgerMetrics other) => this - other;
}
