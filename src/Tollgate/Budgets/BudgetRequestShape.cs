namespace Tollgate.Budgets;

/// <summary>
/// The parts of a request adaptive enforcement may change, and what they cost. Worst case =
/// input + tools (when kept) + max_tokens × output price.
/// </summary>
public sealed record BudgetRequestShape
{
    public required ModelCostShape Model { get; init; }

    public required int MaxTokens { get; init; }

    public bool HasTools { get; init; }

    public float? Temperature { get; init; }

    /// <summary>A cheaper model the request may be switched to (also the cheapest eligible one in emergency mode).</summary>
    public ModelCostShape? Fallback { get; init; }

    /// <summary>
    /// This caller's scope is in emergency mode by an automated response to an anomaly: switched to <see cref="Fallback"/>
    /// as in the gateway-wide emergency mode, while callers outside the scope are untouched.
    /// </summary>
    public bool ScopedEmergency { get; init; }

    public decimal WorstCase => WorstCaseFor(Model, MaxTokens, HasTools);

    public static decimal WorstCaseFor(ModelCostShape model, int maxTokens, bool hasTools) =>
        model.InputCost + (hasTools ? model.ToolsInputCost : 0m) + (maxTokens * model.OutputCostPerToken);
}
