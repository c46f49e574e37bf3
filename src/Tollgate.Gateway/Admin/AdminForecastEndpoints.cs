using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Forecasting;
using Tollgate.Gateway.Endpoints;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// <c>GET /admin/forecast?group_by=tenant&amp;days=7</c> (or <c>hours=24</c>) <c>&amp;tenant=&amp;project=&amp;user=&amp;provider=&amp;model=&amp;key=</c>:
/// spend forecasts from the ledger in the <see cref="SpendForecastJson"/> form that <c>tollgate forecast --json</c> prints.
/// </summary>
internal static class AdminForecastEndpoints
{
    public const int MaxDays = 90;

    public const int MaxHours = 720;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/forecast", AdminContext.AdminOnly(async context =>
        {
            var query = context.Request.Query;
            var groupBy = query["group_by"].ToString();
            LedgerDimension? dimension = null;
            if (groupBy.Length > 0)
            {
                if (!LedgerDimensionNames.TryParse(groupBy, out var parsed))
                {
                    await OpenAiError.BadRequest(context, $"group_by '{groupBy}' is unknown: use {string.Join(", ", LedgerDimensionNames.All)}", "group_by");
                    return;
                }

                dimension = parsed;
            }

            var daysText = query["days"].ToString();
            var hoursText = query["hours"].ToString();
            if (daysText.Length > 0 && hoursText.Length > 0)
            {
                await OpenAiError.BadRequest(context, "pass either days or hours, not both", "days");
                return;
            }

            var hourly = hoursText.Length > 0;
            var text = hourly ? hoursText : daysText;
            var max = hourly ? MaxHours : MaxDays;
            var steps = 7;
            if (text.Length > 0 && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out steps) || steps < 1 || steps > max))
            {
                await OpenAiError.BadRequest(context, $"{(hourly ? "hours" : "days")} must be a whole number between 1 and {max}", hourly ? "hours" : "days");
                return;
            }

            var filter = AnalyticsRequest.DimensionFilter(query);
            await context.Get<Forwarding.CallAccounting>().FlushAsync(context.RequestAborted);
            var report = await SpendForecaster.ForecastAsync(
                context.Get<ILedgerStore>(), filter, dimension, hourly ? TimeBucket.Hour : TimeBucket.Day, steps, context.Get<TimeProvider>().GetUtcNow(), context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(SpendForecastJson.Serialize(report), context.RequestAborted);
        }));
    }
}
