using Tollgate.Costing;

namespace Tollgate.Savings;

/// <summary>
/// One way to spend less, with what it would have saved over the look-back period (the period's own records repriced):
/// its kind (<c>cheaper_model</c>, <c>cheaper_provider</c>, <c>batch</c>, …), what it applies to, the figures behind it
/// and what to change.
/// </summary>
public sealed record Recommendation(
    string Kind,
    string Title,
    IReadOnlyDictionary<string, string> Scope,
    long SavingNanos,
    decimal SavingPercent,
    string Confidence,
    IReadOnlyDictionary<string, string> Evidence,
    string Action)
{
    public decimal Saving => Money.FromNanos(SavingNanos);
}
