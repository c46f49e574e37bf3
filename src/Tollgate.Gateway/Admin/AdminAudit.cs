using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Audit;
using Tollgate.Gateway.Endpoints;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Records admin API changes in the audit log (who: the admin key's id) and serves
/// <c>GET /admin/audit?from=&amp;to=&amp;limit=</c>, newest first.
/// </summary>
internal static class AdminAudit
{
    /// <summary>Where <see cref="AdminContext.AdminOnly"/> keeps the authenticated admin key's id for the handler.</summary>
    public const string ActorItem = "tollgate.admin.actor";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/audit", AdminContext.AdminOnly(async context =>
        {
            var query = context.Request.Query;
            if (!TryTime(query["from"], out var from) || !TryTime(query["to"], out var to))
            {
                await OpenAiError.BadRequest(context, "\"from\" and \"to\" must be ISO 8601 times, e.g. 2026-12-01 or 2026-12-01T08:00:00Z", "from");
                return;
            }

            var limit = 100;
            if (query["limit"].Count > 0 && (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > AuditQuery.MaxLimit))
            {
                await OpenAiError.BadRequest(context, $"\"limit\" must be an integer from 1 to {AuditQuery.MaxLimit}", "limit");
                return;
            }

            var entries = await context.Get<IAuditLog>().QueryAsync(new AuditQuery(from, to, limit), context.RequestAborted);
            await context.JsonAsync(new { data = entries.Select(View).ToList() });
        }));
    }

    /// <summary>Records a change made through the admin API by the key that authenticated the request.</summary>
    public static ValueTask<AuditEntry> RecordAsync(HttpContext context, string action, string target, object? before, object? after) =>
        context.Get<AuditRecorder>().RecordAsync(ActorOf(context), action, target, before, after, CancellationToken.None);

    public static string ActorOf(HttpContext context) => context.Items[ActorItem] as string ?? "admin";

    /// <summary>An entry as JSON: before/after as the JSON values they hold.</summary>
    internal static object View(AuditEntry entry) => new
    {
        id = entry.Id,
        at = entry.At,
        actor = entry.Actor,
        action = entry.Action,
        target = entry.Target,
        before = entry.Before is null ? (System.Text.Json.JsonElement?)null : System.Text.Json.JsonDocument.Parse(entry.Before).RootElement.Clone(),
        after = entry.After is null ? (System.Text.Json.JsonElement?)null : System.Text.Json.JsonDocument.Parse(entry.After).RootElement.Clone(),
    };

    private static bool TryTime(Microsoft.Extensions.Primitives.StringValues value, out DateTimeOffset? time)
    {
        time = null;
        if (value.Count == 0 || string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }

        return false;
    }
}
