using Microsoft.AspNetCore.Http;
using Tollgate.Costing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>The <c>x-tollgate-*</c> headers the proxy puts on its answers.</summary>
internal static class ProxyHeaders
{
    internal const string RequestId = "x-tollgate-request-id";
    internal const string Cost = "x-tollgate-cost";
    internal const string BudgetRemaining = "x-tollgate-budget-remaining";
    internal const string Estimated = "x-tollgate-cost-estimated";
    internal const string Provider = "x-tollgate-provider";
    internal const string Adapted = "x-tollgate-adapted";

    /// <summary>The settled call's cost, whether it was estimated or unpriced, and the budget left after it.</summary>
    public static void WriteCost(HttpResponse response, Settlement settlement)
    {
        response.Headers[Cost] = Money.Format(settlement.Cost.TotalCost);
        if (settlement.Estimated)
        {
            response.Headers[Estimated] = "true";
        }

        if (!settlement.Cost.Priced)
        {
            response.Headers["x-tollgate-unpriced"] = "true";
        }

        if (settlement.BudgetRemaining is { } remaining)
        {
            response.Headers[BudgetRemaining] = Money.Format(remaining);
        }
    }
}
