using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Budgets;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Forwarding;
using Tollgate.Ledger;
using Tollgate.Pricing;
using Tollgate.Savings;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// <c>GET /admin/recommendations</c> (admin key): ways to spend less over a range, ranked by saving, then budgets to
/// adjust — the JSON of <c>tollgate recommend --json</c>. Filters as the analytics endpoints; <c>min_saving</c> in USD.
/// </summary>
internal static class SavingsEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/recommendations", AdminContext.AdminOnly(async context =>
        {
            var query = context.Request.Query;
            var (filter, _, error, param) = AnalyticsRequest.ParseFilter(query, ownKeyId: null);
            if (filter is null)
            {
                await OpenAiError.BadRequest(context, error!, param);
                return;
            }

            var defaults = new RecommendationOptions();
            var minimum = defaults.MinimumSavingUsd;
            if (query["min_saving"].Count > 0
                && (!decimal.TryParse(query["min_saving"], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out minimum) || minimum < 0))
            {
                await OpenAiError.BadRequest(context, "min_saving must be a non-negative amount in USD, e.g. min_saving=1", "min_saving");
                return;
            }

            var router = context.Get<GatewayRouter>();
            var options = defaults with { MinimumSavingUsd = minimum, Providers = [.. router.Endpoints.Select(e => e.PricedAs).Distinct(StringComparer.Ordinal)] };
            await context.Get<CallAccounting>().FlushAsync(context.RequestAborted);
            var ledger = context.Get<ILedgerStore>();
            var outcome = await new RecommendationEngine(context.Get<CostEngine>(), router.Capabilities, options).RecommendAsync(ledger, filter, context.RequestAborted);
            if (outcome.Value is null)
            {
                await OpenAiError.BadRequest(context, outcome.Error!);
                return;
            }

            var budgets = await BudgetAdjustments.FindAsync(
                ledger, await context.Get<IBudgetDefinitionStore>().ListAsync(context.RequestAborted), context.Get<BudgetGate>().ExchangeRates,
                context.Get<TimeProvider>().GetUtcNow(), context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(RecommendationJson.Serialize([.. outcome.Value, .. budgets]), context.RequestAborted);
        }));
}
