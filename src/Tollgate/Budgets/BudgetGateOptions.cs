namespace Tollgate.Budgets;

/// <summary>Settings of <see cref="BudgetGate"/>.</summary>
public sealed class BudgetGateOptions
{
    /// <summary>How long an unsettled hold lives; longer than the slowest call (a stream can take minutes).</summary>
    public TimeSpan HoldTtl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long budget definitions are cached before being re-read from the definition store.</summary>
    public TimeSpan DefinitionRefresh { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the emergency flag and rolled-over amounts are cached.</summary>
    public TimeSpan StateRefresh { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The order adaptive enforcement tries its steps in.</summary>
    public IReadOnlyList<AdaptiveStep> AdaptiveOrder { get; set; } = [AdaptiveStep.LowerMaxTokens, AdaptiveStep.FallbackModel, AdaptiveStep.DropTools, AdaptiveStep.LowerTemperature];

    /// <summary>Below this many output tokens lowering max_tokens is pointless (the answer would be cut off).</summary>
    public int MinMaxTokens { get; set; } = 16;

    /// <summary>The temperature <see cref="AdaptiveStep.LowerTemperature"/> lowers to.</summary>
    public float LowTemperature { get; set; } = 0.2f;

    /// <summary>
    /// Requests per minute allowed while emergency mode is on: across all instances when the store implements
    /// <see cref="ISharedEmergencyThrottle"/> (Redis), otherwise per gate instance.
    /// </summary>
    public int EmergencyRequestsPerMinute { get; set; } = 60;

    public IExchangeRateSource ExchangeRates { get; set; } = FixedExchangeRates.UsdOnly;

    /// <summary>
    /// The ledger a budget's earlier spend is counted from when the gate first sees it (or sees its scope, period or
    /// currency change) — whoever defined it, wherever: its current window's counters are set from the ledger before
    /// any call is held against it. Null: counters start where the store has them.
    /// </summary>
    public Ledger.ILedgerStore? Ledger { get; set; }

    /// <summary>Makes the host's own records durable before a budget's spend is counted from <see cref="Ledger"/> (e.g. the gateway's batched writer).</summary>
    public Func<CancellationToken, Task>? FlushLedgerAsync { get; set; }

    /// <summary>A copy whose <see cref="Ledger"/> and <see cref="FlushLedgerAsync"/> are the host's unless these options set them.</summary>
    public BudgetGateOptions WithLedger(Ledger.ILedgerStore ledger, Func<CancellationToken, Task> flushLedgerAsync)
    {
        var copy = (BudgetGateOptions)MemberwiseClone();
        copy.Ledger ??= ledger;
        copy.FlushLedgerAsync ??= flushLedgerAsync;
        return copy;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting to fix.</summary>
    public void Validate()
    {
        if (HoldTtl <= TimeSpan.Zero)
        {
            throw new ArgumentException("HoldTtl must be positive", nameof(HoldTtl));
        }

        if (DefinitionRefresh < TimeSpan.Zero || StateRefresh < TimeSpan.Zero)
        {
            throw new ArgumentException("refresh intervals must not be negative");
        }

        if (MinMaxTokens < 1)
        {
            throw new ArgumentException("MinMaxTokens must be at least 1", nameof(MinMaxTokens));
        }

        if (EmergencyRequestsPerMinute < 0)
        {
            throw new ArgumentException("EmergencyRequestsPerMinute must not be negative", nameof(EmergencyRequestsPerMinute));
        }

        if (AdaptiveOrder.Distinct().Count() != AdaptiveOrder.Count)
        {
            throw new ArgumentException("AdaptiveOrder lists a step twice", nameof(AdaptiveOrder));
        }
    }
}
