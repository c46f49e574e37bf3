using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Alerts;
using Tollgate.Alerts.Responses;
using Tollgate.Gateway.Alerting;
using Tollgate.Gateway.Endpoints;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Operators' side of alerts: <c>POST /admin/alerts/{id}/ack</c>, <c>POST /admin/alerts/{id}/expected</c> (the anomaly
/// baseline learns it), <c>GET /admin/alerts/responses</c> and <c>POST /admin/alerts/responses/{id}/reverse</c>.
/// The list itself is <c>GET /admin/alerts</c> (<see cref="AdminReportsEndpoints"/>).
/// </summary>
internal static class AdminAlertsEndpoints
{
    /// <summary>How far back an alert id is looked up.</summary>
    private static readonly TimeSpan Lookback = TimeSpan.FromDays(366);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/alerts/{id}/ack", AdminContext.AdminOnly(context => FeedbackAsync(context, AlertKinds.Acknowledged)));
        app.MapPost("/admin/alerts/{id}/expected", AdminContext.AdminOnly(context => FeedbackAsync(context, AlertKinds.MarkedExpected)));
        app.MapGet("/admin/alerts/responses", AdminContext.AdminOnly(context =>
            context.JsonAsync(new { data = context.Get<GatewayAlerting>().Responses.Active.Select(View).ToList() })));
        app.MapPost("/admin/alerts/responses/{id}/reverse", AdminContext.AdminOnly(async context =>
        {
            if (!long.TryParse(context.Request.RouteValues["id"]?.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                await OpenAiError.BadRequest(context, "the response id must be a number, as listed by GET /admin/alerts/responses", "id");
                return;
            }

            if (await ByAsync(context) is not { } by)
            {
                return;
            }

            var reversed = await context.Get<GatewayAlerting>().ReverseAsync(id, by, context.RequestAborted);
            if (reversed is null)
            {
                await OpenAiError.NotFound(context, $"no automated response {id} is in force: GET /admin/alerts/responses lists them", "response_not_found");
                return;
            }

            await context.JsonAsync(new { reversed = View(reversed), by });
        }));
    }

    /// <summary>The JSON of one alert with its acknowledgement and expected-marking (also used by the list).</summary>
    internal static object View(AlertStatus s) => new
    {
        id = s.Alert.Id,
        at = s.Alert.At,
        severity = s.Alert.Severity.ToString().ToLowerInvariant(),
        kind = s.Alert.Kind,
        message = s.Alert.Message,
        budget_id = s.Alert.BudgetId,
        window = s.Alert.WindowKey,
        details = s.Alert.Details,
        acknowledged = s.Acknowledged is { } a ? new { at = a.At, by = a.Details.GetValueOrDefault("by") } : null,
        expected = s.Expected is { } e ? new { at = e.At, by = e.Details.GetValueOrDefault("by") } : null,
    };

    private static object View(AutomatedResponse r) => new
    {
        id = r.Id,
        action = r.Action.ToString().ToLowerInvariant(),
        dimension = r.Dimension,
        value = r.Value,
        rpm = r.Action == ResponseAction.Throttle ? r.RequestsPerMinute : (int?)null,
        applied_at = r.AppliedAt,
        until = r.Until,
        alert_id = r.AlertId,
        rule = r.Rule,
        description = r.Describe(),
    };

    private static async Task FeedbackAsync(HttpContext context, string kind)
    {
        if (!long.TryParse(context.Request.RouteValues["id"]?.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            await OpenAiError.BadRequest(context, "the alert id must be a number, as listed by GET /admin/alerts", "id");
            return;
        }

        if (await ByAsync(context) is not { } by)
        {
            return;
        }

        var history = context.Get<IAlertHistory>();
        var now = context.Get<TimeProvider>().GetUtcNow();
        var target = (await history.QueryAsync(now - Lookback, context.RequestAborted)).FirstOrDefault(a => a.Id == id && !AlertKinds.IsFeedback(a.Kind));
        if (target is null)
        {
            await OpenAiError.NotFound(context, $"no alert {id}: GET /admin/alerts lists them", "alert_not_found");
            return;
        }

        var entry = await AlertFeedback.RecordAsync(history, target, kind, by, now, context.RequestAborted);
        await context.JsonAsync(View(new AlertStatus(target, kind == AlertKinds.Acknowledged ? entry : null, kind == AlertKinds.MarkedExpected ? entry : null)));
    }

    /// <summary>Who acts: <c>{"by": "alice"}</c> in an optional body, else <c>admin</c>. Null when the body was refused (answered).</summary>
    private static async Task<string?> ByAsync(HttpContext context)
    {
        if (context.Request.ContentLength is null or 0)
        {
            return "admin";
        }

        using var body = await AdminJsonBody.ReadAsync(context);
        if (body is null)
        {
            return null;
        }

        string? error = null;
        var by = AdminJsonBody.OptionalString(body.RootElement, "by", ref error, 100);
        if (error is not null || (by is not null && by.Any(char.IsControl)))
        {
            await OpenAiError.BadRequest(context, error ?? "\"by\" must be a name without control characters", "by");
            return null;
        }

        return by ?? "admin";
    }
}
