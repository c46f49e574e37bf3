using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Tollgate.Alerts;
using Tollgate.Analytics;
using Tollgate.Forecasting;
using Tollgate.Gateway.Endpoints;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// <c>GET /admin/overview/chart?from=&amp;to=&amp;tz=</c> (admin key): what the dashboard's overview chart draws, in one
/// answer — <c>{"trend": …, "forecast": …, "anomalies": [{"at", "message"}]}</c>: the range's trend per day (as
/// <c>/admin/analytics/trend?bucket=day</c>), the next 7 days' forecast (as <c>/admin/forecast</c>) and the anomaly
/// alerts raised since the range began.
/// </summary>
internal static class AdminOverviewChartEndpoint
{
    private const int ForecastDays = 7;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/overview/chart", AdminContext.AdminOnly(async context =>
        {
            var (query, error, param) = AnalyticsRequest.ParseTrend(context.Request.Query, ownKeyId: null);
            if (query is null)
            {
                await OpenAiError.BadRequest(context, error!, param);
                return;
            }

            query = query with { Bucket = TimeBucket.Day };
            await context.Get<Forwarding.CallAccounting>().FlushAsync(context.RequestAborted);
            var ledger = context.Get<ILedgerStore>();
            var trend = await new LedgerAnalytics(ledger).TrendAsync(query, context.RequestAborted);
            if (trend.Value is null)
            {
                await OpenAiError.BadRequest(context, trend.Error!);
                return;
            }

            var now = context.Get<TimeProvider>().GetUtcNow();
            var forecast = await SpendForecaster.ForecastAsync(ledger, query.Filter with { From = null, To = null }, null, TimeBucket.Day, ForecastDays, now, context.RequestAborted);
            var since = query.Filter.From ?? now.AddDays(-31);
            var anomalies = (await context.Get<IAlertHistory>().QueryAsync(since, context.RequestAborted))
                .Where(a => a.Kind == AlertKinds.Anomaly).OrderBy(a => a.At).ToList();

            context.Response.ContentType = "application/json";
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WritePropertyName("trend");
                writer.WriteRawValue(AnalyticsJson.Serialize(trend.Value, query));
                writer.WritePropertyName("forecast");
                writer.WriteRawValue(SpendForecastJson.Serialize(forecast));
                writer.WriteStartArray("anomalies");
                foreach (var alert in anomalies)
                {
                    writer.WriteStartObject();
                    writer.WriteString("at", alert.At);
                    writer.WriteString("message", alert.Message);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
        }));
}
