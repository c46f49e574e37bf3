using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Gateway.Endpoints;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// <c>GET /admin/analytics/{breakdown,trend,patterns,compare}</c> (admin key) and <c>GET /v1/tollgate/analytics/{…}</c> (a virtual key, its own records only).
/// <c>GET /admin/analytics/breakdown</c> (admin key, any scope) and <c>GET /v1/tollgate/analytics/breakdown</c> (a virtual
/// key, its own records only): spend by a dimension or <c>tag:KEY</c> in the <see cref="CostReport"/> JSON shape, with
/// shares, success rate and averages; the query string is <see cref="AnalyticsRequest"/>'s.
/// </summary>
internal static class AnalyticsEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/analytics/breakdown", AdminContext.AdminOnly(context => BreakdownAsync(context, ownKeyId: null)));
        app.MapGet("/v1/tollgate/analytics/breakdown", AdminContext.ClientOnly((context, key) => BreakdownAsync(context, key.Id)));
        app.MapGet("/admin/analytics/trend", AdminContext.AdminOnly(context => TrendAsync(context, ownKeyId: null)));
        app.MapGet("/v1/tollgate/analytics/trend", AdminContext.ClientOnly((context, key) => TrendAsync(context, key.Id)));
        app.MapGet("/admin/analytics/patterns", AdminContext.AdminOnly(context => PatternsAsync(context, ownKeyId: null)));
        app.MapGet("/v1/tollgate/analytics/patterns", AdminContext.ClientOnly((context, key) => PatternsAsync(context, key.Id)));
        app.MapGet("/admin/analytics/compare", AdminContext.AdminOnly(context => CompareAsync(context, ownKeyId: null)));
        app.MapGet("/v1/tollgate/analytics/compare", AdminContext.ClientOnly((context, key) => CompareAsync(context, key.Id)));
    }

    private static async Task TrendAsync(HttpContext context, string? ownKeyId)
    {
        var (query, error, param) = AnalyticsRequest.ParseTrend(context.Request.Query, ownKeyId);
        if (query is null)
        {
            await OpenAiError.BadRequest(context, error!, param);
            return;
        }

        await context.Get<Forwarding.CallAccounting>().FlushAsync(context.RequestAborted);
        var outcome = await new LedgerAnalytics(context.Get<ILedgerStore>()).TrendAsync(query, context.RequestAborted);
        if (outcome.Value is null)
        {
            await OpenAiError.BadRequest(context, outcome.Error!);
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(AnalyticsJson.Serialize(outcome.Value, query), context.RequestAborted);
    }

    private static async Task PatternsAsync(HttpContext context, string? ownKeyId)
    {
        var (query, error, param) = AnalyticsRequest.ParsePatterns(context.Request.Query, ownKeyId);
        if (query is null)
        {
            await OpenAiError.BadRequest(context, error!, param);
            return;
        }

        await context.Get<Forwarding.CallAccounting>().FlushAsync(context.RequestAborted);
        var outcome = await new LedgerAnalytics(context.Get<ILedgerStore>()).PatternsAsync(query, context.RequestAborted);
        if (outcome.Value is null)
        {
            await OpenAiError.BadRequest(context, outcome.Error!);
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(AnalyticsJson.Serialize(outcome.Value, query.TimeZone), context.RequestAborted);
    }

    private static async Task CompareAsync(HttpContext context, string? ownKeyId)
    {
        var (query, error, param) = AnalyticsRequest.ParseBreakdown(context.Request.Query, ownKeyId, defaultBy: "model");
        if (query is null)
        {
            await OpenAiError.BadRequest(context, error!, param);
            return;
        }

        await context.Get<Forwarding.CallAccounting>().FlushAsync(context.RequestAborted);
        var outcome = await new LedgerAnalytics(context.Get<ILedgerStore>()).CompareWithinLimitAsync(query, context.Get<ICostCalculator>(), cancellationToken: context.RequestAborted);
        if (outcome.Value is null)
        {
            await OpenAiError.BadRequest(context, outcome.Error!, "by");
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(AnalyticsJson.Serialize(outcome.Value, query), context.RequestAborted);
    }

    private static async Task BreakdownAsync(HttpContext context, string? ownKeyId)
    {
        var (query, error, param) = AnalyticsRequest.ParseBreakdown(context.Request.Query, ownKeyId);
        if (query is null)
        {
            await OpenAiError.BadRequest(context, error!, param);
            return;
        }

        await context.Get<Forwarding.CallAccounting>().FlushAsync(context.RequestAborted);
        var outcome = await new LedgerAnalytics(context.Get<ILedgerStore>()).BreakdownAsync(query, context.RequestAborted);
        if (outcome.Value is null)
        {
            await OpenAiError.BadRequest(context, outcome.Error!, "by");
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(CostReportJson.Serialize(CostReport.From(outcome.Value)), context.RequestAborted);
    }
}
