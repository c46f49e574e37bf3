using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Analytics;
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
/// <c>latest=1</c> answers from the result computed in the background over the last 30 days (with its range and time;
/// <c>refresh=1</c> waits for a new one) instead of repricing the range on the request.
/// </summary>
internal static class SavingsEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/recommendations", AdminContext.AdminOnly(async context =>
        {
            var query = context.Request.Query;
            var minimum = new RecommendationOptions().MinimumSavingUsd;
            if (query["min_saving"].Count > 0
                && (!decimal.TryParse(query["min_saving"], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out minimum) || minimum < 0))
            {
                await OpenAiError.BadRequest(context, "min_saving must be a non-negative amount in USD, e.g. min_saving=1", "min_saving");
                return;
            }

            IReadOnlyList<Recommendation> found;
            (DateTimeOffset, DateTimeOffset, DateTimeOffset)? computed = null;
            if (Flag(query, "latest"))
            {
                if (query.Keys.FirstOrDefault(k => k is not ("latest" or "refresh" or "min_saving")) is { } other)
                {
                    await OpenAiError.BadRequest(context, $"latest=1 is the last 30 days of every call: leave out '{other}', or ask without latest=1", other);
                    return;
                }

                var latest = context.Get<LatestRecommendations>();
                var snapshot = Flag(query, "refresh") ? await latest.RefreshAsync(context.RequestAborted) : await latest.GetAsync(context.RequestAborted);
                found = [.. snapshot.Recommendations.Where(r => r.Saving >= minimum)];
                computed = (snapshot.From, snapshot.To, snapshot.ComputedAt);
            }
            else
            {
                var (filter, _, error, param) = AnalyticsRequest.ParseFilter(query, ownKeyId: null);
                if (filter is null)
                {
                    await OpenAiError.BadRequest(context, error!, param);
                    return;
                }

                var outcome = await RecommendAsync(context.RequestServices, filter, minimum, context.RequestAborted);
                if (outcome.Value is null)
                {
                    await OpenAiError.BadRequest(context, outcome.Error!);
                    return;
                }

                found = outcome.Value;
            }

            // Budgets change at any time and read only rollups: always current.
            var budgets = await BudgetAdjustments.FindAsync(
                context.Get<ILedgerStore>(), await context.Get<IBudgetDefinitionStore>().ListAsync(context.RequestAborted), context.Get<BudgetGate>().ExchangeRates,
                context.Get<TimeProvider>().GetUtcNow(), context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(RecommendationJson.Serialize([.. found, .. budgets], computed), context.RequestAborted);
        }));

    /// <summary>The recommendations over <paramref name="filter"/> for this gateway's providers, after the calls still being written are.</summary>
    public static async ValueTask<AnalyticsOutcome<IReadOnlyList<Recommendation>>> RecommendAsync(
        IServiceProvider services, LedgerFilter filter, decimal minimumSavingUsd, CancellationToken cancellationToken)
    {
        var router = services.GetRequiredService<GatewayRouter>();
        var options = new RecommendationOptions
        {
            MinimumSavingUsd = minimumSavingUsd,
            Providers = [.. router.Endpoints.Select(e => e.PricedAs).Distinct(StringComparer.Ordinal)],
        };
        await services.GetRequiredService<CallAccounting>().FlushAsync(cancellationToken);
        return await new RecommendationEngine(services.GetRequiredService<CostEngine>(), router.Capabilities, options)
            .RecommendAsync(services.GetRequiredService<ILedgerStore>(), filter, cancellationToken);
    }

    private static bool Flag(IQueryCollection query, string name) => query[name] is { Count: > 0 } value && value[0] is "1" or "true";
}
