using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Analytics;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Forwarding;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// The ledger's records over HTTP: <c>GET /admin/calls?limit=50</c> (newest first, the analytics filters),
/// <c>GET /admin/calls/{request_id}</c> (every attempt of one call, with the budgets whose scope covers it) and
/// <c>GET /admin/export?format=csv|jsonl</c> (the same rows as <c>tollgate export</c> for the same filter, tags included). A virtual
/// key has the same for its own records under <c>/v1/tollgate/calls</c> and <c>/v1/tollgate/export</c>.
/// </summary>
internal static class AdminCallsEndpoints
{
    public const int MaxLimit = 500;

    /// <summary>How far back the newest calls are looked for, widening until enough are found (raw reads stay small on a big ledger).</summary>
    private static readonly TimeSpan[] Lookbacks = [TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(7), TimeSpan.FromDays(31)];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/calls", AdminContext.AdminOnly(context => ListAsync(context, null)));
        app.MapGet("/v1/tollgate/calls", AdminContext.ClientOnly((context, key) => ListAsync(context, key.Id)));
        app.MapGet("/admin/calls/{id}", AdminContext.AdminOnly(context => DetailAsync(context, null)));
        app.MapGet("/v1/tollgate/calls/{id}", AdminContext.ClientOnly((context, key) => DetailAsync(context, key)));
        app.MapGet("/admin/export", AdminContext.AdminOnly(context => ExportAsync(context, null)));
        app.MapGet("/v1/tollgate/export", AdminContext.ClientOnly((context, key) => ExportAsync(context, key.Id)));
    }

    private static async Task ListAsync(HttpContext context, string? ownKeyId)
    {
        var query = context.Request.Query;
        var (filter, tags, error, param) = AnalyticsRequest.ParseRecordFilter(query, ownKeyId);
        if (filter is null)
        {
            await OpenAiError.BadRequest(context, error!, param);
            return;
        }

        var limit = 50;
        if (query["limit"].Count > 0 && (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit))
        {
            await OpenAiError.BadRequest(context, $"limit must be a whole number between 1 and {MaxLimit}", "limit");
            return;
        }

        await context.Get<CallAccounting>().FlushAsync(context.RequestAborted);
        var ledger = context.Get<ILedgerStore>();
        var end = filter.To ?? context.Get<TimeProvider>().GetUtcNow().AddMinutes(1);
        var newest = new Queue<UsageRecord>();
        foreach (var lookback in Lookbacks.Append(TimeSpan.MaxValue))
        {
            // Widen backwards from the end, never before the filter's own start, so a wide range reads only its newest part.
            var from = lookback == TimeSpan.MaxValue || (filter.From is { } start && end - lookback <= start) ? filter.From : end - lookback;
            newest.Clear();
            await foreach (var record in TagFilter.ReadAsync(ledger, filter with { From = from, To = end }, tags, context.RequestAborted))
            {
                newest.Enqueue(record);
                if (newest.Count > limit)
                {
                    newest.Dequeue();
                }
            }

            if (newest.Count >= limit || from == filter.From)
            {
                break;
            }
        }

        await WriteJsonAsync(context, w =>
        {
            w.WriteStartArray("data");
            foreach (var record in newest.Reverse())
            {
                LedgerJsonLines.Write(w, record);
            }

            w.WriteEndArray();
        });
    }

    private static async Task DetailAsync(HttpContext context, Keys.VirtualKey? ownKey)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        await context.Get<CallAccounting>().FlushAsync(context.RequestAborted);
        var ledger = context.Get<ILedgerStore>();
        var attempts = new List<UsageRecord>();
        for (var attempt = 1; attempt <= 64; attempt++)
        {
            if (await ledger.FindAsync(new LedgerKey(id, attempt), context.RequestAborted) is not { } record)
            {
                break;
            }

            attempts.Add(record);
        }

        if (attempts.Count == 0 || (ownKey is not null && attempts.Any(a => a.KeyId != ownKey.Id)))
        {
            await OpenAiError.NotFound(context, $"no call '{id}' in the ledger: GET {(ownKey is null ? "/admin/calls" : "/v1/tollgate/calls")} lists the recent ones", "call_not_found");
            return;
        }

        var definitions = await context.Get<IBudgetDefinitionStore>().ListAsync(context.RequestAborted);
        await WriteJsonAsync(context, w =>
        {
            w.WriteString("request_id", id);
            w.WriteString("total_cost_usd", Money.Format(Money.FromNanos(attempts.Sum(a => a.TotalCostNanos))));
            w.WriteStartArray("attempts");
            foreach (var record in attempts)
            {
                LedgerJsonLines.Write(w, record);
            }

            w.WriteEndArray();
            w.WriteStartArray("budgets");
            foreach (var budget in definitions.OrderBy(b => b.Id, StringComparer.Ordinal))
            {
                var covered = attempts.Any(a => budget.Scope.Matches(new BudgetSubject
                {
                    Tenant = a.Tenant, Project = a.Project, User = a.User, KeyId = a.KeyId, Provider = a.Provider, Model = a.Model,
                }));
                // A key holder sees only budgets of its own (the rule of GET /v1/tollgate/usage).
                if (!covered || (ownKey is not null && !BudgetVisibility.IsOwn(budget.Scope, ownKey)))
                {
                    continue;
                }

                w.WriteStartObject();
                w.WriteString("id", budget.Id);
                w.WriteString("scope", budget.Scope.ToString());
                w.WriteString("enforcement", budget.Enforcement.ToString().ToLowerInvariant());
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static async Task ExportAsync(HttpContext context, string? ownKeyId)
    {
        var query = context.Request.Query;
        var (filter, tags, error, param) = AnalyticsRequest.ParseRecordFilter(query, ownKeyId);
        if (filter is null)
        {
            await OpenAiError.BadRequest(context, error!, param);
            return;
        }

        var format = query["format"].Count > 0 ? query["format"].ToString() : "csv";
        if (format is not ("csv" or "jsonl"))
        {
            await OpenAiError.BadRequest(context, $"format '{format}' is unknown: use csv or jsonl", "format");
            return;
        }

        await context.Get<CallAccounting>().FlushAsync(context.RequestAborted);
        var csv = format == "csv";
        context.Response.ContentType = csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"tollgate-ledger.{format}\"";
        await using var writer = new StreamWriter(context.Response.Body, new System.Text.UTF8Encoding(false), 64 * 1024) { NewLine = "\n" };
        if (csv)
        {
            await writer.WriteLineAsync(LedgerCsv.Header);
        }

        await foreach (var record in TagFilter.ReadAsync(context.Get<ILedgerStore>(), filter, tags, context.RequestAborted))
        {
            await writer.WriteLineAsync(csv ? LedgerCsv.FormatRow(record) : LedgerJsonLines.Serialize(record));
        }
    }

    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> body)
    {
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter.AsStream());
        writer.WriteStartObject();
        body(writer);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
