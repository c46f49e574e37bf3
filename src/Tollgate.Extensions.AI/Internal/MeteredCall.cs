using Tollgate.Budgets;
using Tollgate.Tokens;

namespace Tollgate.Extensions.AI.Internal;

/// <summary>One call between its hold and its settlement.</summary>
internal sealed class MeteredCall
{
    public required string RequestId { get; init; }

    public required string ApiFlavor { get; init; }

    public required string Provider { get; init; }

    /// <summary>The model sent (after any adaptive switch).</summary>
    public required string Model { get; init; }

    public required TollgateAttribution Attribution { get; init; }

    public required TollgateScope? Scope { get; init; }

    public required ModelTokenizer Tokenizer { get; init; }

    /// <summary>Counted prompt tokens (tools included), used when the provider reports no input count.</summary>
    public required long PromptTokens { get; init; }

    /// <summary>The output the call can bill at most (what was held and sent), for <see cref="Metering.UsageCheck"/>.</summary>
    public long WorstCaseOutputTokens { get; init; }

    public required BudgetDecision Decision { get; init; }

    /// <summary>The request's fingerprints, recorded for caching recommendations.</summary>
    public Metering.Fingerprints.RequestFingerprint? Fingerprint { get; init; }

    /// <summary>When the call began: the price in force then applies, and the latency is measured from it (one clock read per call end).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    private int _settled;

    /// <summary>True the first time only: a call is settled and recorded exactly once.</summary>
    public bool TryMarkSettled() => Interlocked.Exchange(ref _settled, 1) == 0;
}
