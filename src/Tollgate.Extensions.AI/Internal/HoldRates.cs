using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Extensions.AI.Internal;

/// <summary>
/// A model price's worst-case rates for holds, derived once per <see cref="ModelPrice"/>: what a request costs with
/// no tokens (the per-request fee), per uncached input token, and per output token at the higher of the output and
/// reasoning rates. For a price without tiers the cost is linear in tokens, so a hold is then two multiplications
/// instead of three catalog computations per call; a tiered price (the rate depends on the prompt's size) is
/// computed per call (<see cref="ShapeByComputing"/>).
/// </summary>
internal sealed class HoldRates
{
    private const long PerMillion = 1_000_000;

    private HoldRates(ModelPrice price, bool isLinear, decimal baseCost, decimal inputPerToken, decimal outputPerToken)
    {
        Price = price;
        IsLinear = isLinear;
        BaseCost = baseCost;
        InputPerToken = inputPerToken;
        OutputPerToken = outputPerToken;
    }

    public ModelPrice Price { get; }

    /// <summary>True when the rates below give exactly what the catalog computes for any prompt.</summary>
    public bool IsLinear { get; }

    /// <summary>Cost of a request with no tokens (a per-request fee, usually 0).</summary>
    public decimal BaseCost { get; }

    public decimal InputPerToken { get; }

    /// <summary>Per output token, at the higher of the output and reasoning rates (a reasoning model may bill all output as reasoning).</summary>
    public decimal OutputPerToken { get; }

    /// <summary>The input side of a hold: the per-request fee plus every prompt token uncached.</summary>
    public decimal InputCostOf(long promptTokens) => BaseCost + (promptTokens * InputPerToken);

    public static HoldRates For(ModelPrice price)
    {
        var none = price.ComputeCost(new Usage { Requests = 1 });
        var input = price.ComputeCost(new Usage { InputTokens = PerMillion, Requests = 1 });
        var output = price.ComputeCost(new Usage { OutputTokens = PerMillion, Requests = 1 });
        var reasoning = price.ComputeCost(new Usage { OutputTokens = PerMillion, ReasoningTokens = PerMillion, Requests = 1 });
        if (price.HasTiers || !none.Priced || !input.Priced || !output.Priced)
        {
            return new HoldRates(price, false, 0m, 0m, 0m);
        }

        var outputTotal = reasoning.Priced ? Math.Max(output.TotalCost, reasoning.TotalCost) : output.TotalCost;
        return new HoldRates(
            price, true, none.TotalCost, (input.TotalCost - none.TotalCost) / PerMillion, (outputTotal - none.TotalCost) / PerMillion);
    }

    /// <summary>The hold's shape computed with the catalog for this prompt (tiered prices); null when it cannot be priced.</summary>
    public static ModelCostShape? ShapeByComputing(ModelLookup lookup, string provider, string model, long promptTokens, long toolTokens, DateTimeOffset at)
    {
        var inputOnly = lookup.ComputeCost(new Usage { InputTokens = promptTokens, Requests = 1 }, at);
        var withOutput = lookup.ComputeCost(new Usage { InputTokens = promptTokens, OutputTokens = PerMillion, Requests = 1 }, at);
        var asReasoning = lookup.ComputeCost(new Usage { InputTokens = promptTokens, OutputTokens = PerMillion, ReasoningTokens = PerMillion, Requests = 1 }, at);
        var withTools = toolTokens == 0 ? inputOnly : lookup.ComputeCost(new Usage { InputTokens = promptTokens + toolTokens, Requests = 1 }, at);
        if (!inputOnly.Priced || !withOutput.Priced || !withTools.Priced)
        {
            return null;
        }

        var outputTotal = asReasoning.Priced ? Math.Max(withOutput.TotalCost, asReasoning.TotalCost) : withOutput.TotalCost;
        return new ModelCostShape(provider, model, inputOnly.TotalCost, (outputTotal - inputOnly.TotalCost) / PerMillion)
        {
            ToolsInputCost = withTools.TotalCost - inputOnly.TotalCost,
        };
    }
}
