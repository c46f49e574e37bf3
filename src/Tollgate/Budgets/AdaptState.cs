namespace Tollgate.Budgets;

/// <summary>The request as adaptive enforcement changes it.</summary>
internal sealed class AdaptState(BudgetRequestShape shape, BudgetSubject subject)
{
    public BudgetRequestShape Shape { get; private set; } = shape;

    public BudgetSubject Subject { get; private set; } = subject;

    public int MaxTokens { get; private set; } = shape.MaxTokens;

    private int OriginalMaxTokens { get; } = shape.MaxTokens;

    public bool HasTools { get; set; } = shape.HasTools;

    public float? Temperature { get; set; } = shape.Temperature;

    public List<AdaptiveStep> Reached { get; } = [];

    public decimal WorstCase => BudgetRequestShape.WorstCaseFor(Shape.Model, MaxTokens, HasTools);

    public void SwitchTo(ModelCostShape fallback)
    {
        Shape = Shape with { Model = fallback, Fallback = null };
        Subject = Subject with { Model = fallback.Model, Provider = fallback.Provider ?? Subject.Provider };
    }

    /// <summary>max_tokens = the most the allowance pays for (never more than asked, never below the minimum).</summary>
    public void LowerMaxTokens(decimal allowedUsd, int minimum)
    {
        var model = Shape.Model;
        if (model.OutputCostPerToken <= 0)
        {
            return;
        }

        var room = allowedUsd - model.InputCost - (HasTools ? model.ToolsInputCost : 0m);
        if (room <= 0)
        {
            return;
        }

        var tokens = decimal.Floor(room / model.OutputCostPerToken);
        var fit = tokens >= OriginalMaxTokens ? OriginalMaxTokens : (int)tokens;
        if (fit >= minimum)
        {
            MaxTokens = fit;
        }
    }

    public List<AdaptiveStep> AppliedSteps(BudgetRequestShape original, IReadOnlyList<AdaptiveStep> order)
    {
        var applied = new List<AdaptiveStep>();
        foreach (var step in order)
        {
            var did = step switch
            {
                AdaptiveStep.LowerMaxTokens => MaxTokens < original.MaxTokens,
                AdaptiveStep.FallbackModel => !ReferenceEquals(Shape.Model, original.Model),
                AdaptiveStep.DropTools => original.HasTools && !HasTools,
                _ => Temperature != original.Temperature,
            };
            if (did)
            {
                applied.Add(step);
            }
        }

        return applied;
    }
}
