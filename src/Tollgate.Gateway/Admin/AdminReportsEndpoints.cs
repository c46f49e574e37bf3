using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Alerts;
using Tollgate.Gateway.Endpoints;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// <c>GET /admin/reports/cost?group_by=provider|model|project|user|tenant|key|day&amp;from=&amp;to=&amp;tenant=</c> (the ledger's
/// <see cref="CostReport"/> shape) and <c>GET /admin/alerts?hours=24</c>.
/// </summary>
internal static class AdminReportsEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/reports/cost", AdminContext.AdminOnly(async context =>
        {
            var query = context.Request.Query;
            var (ledgerQuery, error) = ParseQuery(query["group_by"], query["from"], query["to"], AnalyticsRequest.DimensionFilter(query));
            if (ledgerQuery is null)
            {
                await OpenAiError.BadRequest(context, error!);
                return;
            }

            await context.Get<Forwarding.CallAccounting>().FlushAsync(context.RequestAborted);
            var report = await context.Get<ILedgerStore>().QueryAsync(ledgerQuery, context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(CostReportJson.Serialize(CostReport.From(report)), context.RequestAborted);
        }));

        app.MapGet("/admin/alerts", AdminContext.AdminOnly(async context =>
        {
            var hoursText = context.Request.Query["hours"].ToString();
            var hours = 24d;
            if (hoursText.Length > 0 && (!double.TryParse(hoursText, NumberStyles.Float, CultureInfo.InvariantCulture, out hours) || hours <= 0 || hours > 24 * 366))
            {
                await OpenAiError.BadRequest(context, "hours must be a number between 0 and 8784, e.g. ?hours=24", "hours");
                return;
            }

            var since = context.Get<TimeProvider>().GetUtcNow().AddHours(-hours);
            await context.Get<BudgetAlertMonitor>().CheckAsync(context.RequestAborted);
            var alerts = await context.Get<IAlertHistory>().QueryAsync(since, context.RequestAborted);
            // Acknowledgements and expected-markings are history entries of their own, folded into the alerts they name.
            await context.JsonAsync(new
            {
                data = AlertFeedback.Fold(alerts).Select(AdminAlertsEndpoints.View).ToList(),
            });
        }));
    }

    internal static (LedgerQuery? Query, string? Error) ParseQuery(string? groupBy, string? from, string? to, LedgerFilter filter)
    {
        DateTimeOffset? fromTime = null, toTime = null;
        if (!string.IsNullOrEmpty(from))
        {
            if (!DateTimeOffset.TryParse(from, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var f))
            {
                return (null, $"from '{from}' is not a date or time: use e.g. 2026-11-01 or 2026-11-01T00:00:00Z");
            }

            fromTime = f;
        }

        if (!string.IsNullOrEmpty(to))
        {
            if (!DateTimeOffset.TryParse(to, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            {
                return (null, $"to '{to}' is not a date or time: use e.g. 2026-11-30 or 2026-12-01T00:00:00Z");
            }

            toTime = t;
        }

        if (fromTime > toTime)
        {
            return (null, "from is after to: swap them");
        }

        LedgerDimension? dimension = null;
        TimeBucket? bucket = null;
        switch (string.IsNullOrEmpty(groupBy) ? "provider" : groupBy.ToLowerInvariant())
        {
            case "provider": dimension = LedgerDimension.Provider; break;
            case "model": dimension = LedgerDimension.Model; break;
            case "project": dimension = LedgerDimension.Project; break;
            case "user": dimension = LedgerDimension.User; break;
            case "tenant": dimension = LedgerDimension.Tenant; break;
            case "key": dimension = LedgerDimension.Key; break;
            case "day": bucket = TimeBucket.Day; break;
            case "hour": bucket = TimeBucket.Hour; break;
            case "month": bucket = TimeBucket.Month; break;
            default:
                return (null, $"group_by '{groupBy}' is unknown: use provider, model, project, user, tenant, key, day, hour or month");
        }

        return (new LedgerQuery { Filter = filter with { From = fromTime, To = toTime }, GroupBy = dimension, Bucket = bucket }, null);
    }
}
