using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Alerts;
using Tollgate.Analytics;
using Tollgate.Budgets;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Forwarding;
using Tollgate.Ledger;
using Tollgate.Routing;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// <c>GET /admin/overview?tz=Europe/Berlin&amp;alert_hours=24</c>: the first screen in one call — the <see cref="SystemOverview"/>
/// that <c>tollgate status --json</c> prints, with this gateway's live provider health and held budget amounts.
/// </summary>
internal static class AdminOverviewEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/overview", AdminContext.AdminOnly(async context =>
        {
            var query = context.Request.Query;
            var zoneId = query["tz"].ToString();
            TimeZoneInfo zone;
            try
            {
                zone = zoneId.Length == 0 || zoneId.Equals("UTC", StringComparison.OrdinalIgnoreCase) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneId);
            }
            catch (TimeZoneNotFoundException)
            {
                await OpenAiError.BadRequest(context, $"tz '{zoneId}' is not a known time zone: use an IANA id such as Europe/Berlin or UTC", "tz");
                return;
            }

            var hours = 24;
            if (query["alert_hours"].Count > 0 && (!int.TryParse(query["alert_hours"], NumberStyles.None, CultureInfo.InvariantCulture, out hours) || hours < 1 || hours > 24 * 366))
            {
                await OpenAiError.BadRequest(context, "alert_hours must be a whole number between 1 and 8784, e.g. alert_hours=24", "alert_hours");
                return;
            }

            await context.Get<CallAccounting>().FlushAsync(context.RequestAborted);
            await context.Get<BudgetAlertMonitor>().CheckAsync(context.RequestAborted);
            var gate = context.Get<BudgetGate>();
            var registry = context.Get<ProviderRegistry>();
            var health = context.Get<HealthMonitor>();
            var overview = await SystemOverviewReader.ReadAsync(new SystemOverviewSources
            {
                Ledger = context.Get<ILedgerStore>(),
                Budgets = gate.GetStatusAsync,
                Rates = gate.ExchangeRates,
                Alerts = context.Get<IAlertHistory>(),
                Emergency = context.Get<IBudgetStore>().GetEmergencyAsync,
                LoadProviderState = registry.GetStateAsync,
                ConfiguredProviders = [.. context.Get<GatewayRouter>().Endpoints.Select(e => e.Name)],
                Health = health.GetProvider,
            }, zone, context.Get<TimeProvider>().GetUtcNow(), TimeSpan.FromHours(hours), context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(SystemOverviewJson.Serialize(overview), context.RequestAborted);
        }));
}
