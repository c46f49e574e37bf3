namespace Tollgate.Budgets;

/// <summary>
/// What one model would charge for the request, in USD: the prompt (<see cref="InputCost"/>), the tool
/// definitions' share of the prompt (<see cref="ToolsInputCost"/>) and each output token.
/// </summary>
public sealed record ModelCostShape(string? Provider, string Model, decimal InputCost, decimal OutputCostPerToken)
{
    public decimal ToolsInputCost { get; init; }
}
