using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Keys;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// <c>GET /v1/tollgate/usage?group_by=model&amp;from=&amp;to=</c>: a key holder's own spending (this key only) and the
/// budgets that name its tenant, project, user or key. Global budgets and other keys are never shown.
/// </summary>
internal static class UsageEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/tollgate/usage", AdminContext.ClientOnly(async (context, key) =>
        {
            var query = context.Request.Query;
            var (ledgerQuery, error) = AdminReportsEndpoints.ParseQuery(query["group_by"].Count > 0 ? query["group_by"].ToString() : "model", query["from"], query["to"],
                LedgerFilter.All with { KeyId = key.Id });
            if (ledgerQuery is null || (query["group_by"].ToString() is "tenant" or "key" or "user" or "project"))
            {
                await Endpoints.OpenAiError.BadRequest(context, error ?? "group_by for your own usage: model, provider, day, hour or month");
                return;
            }

            await context.Get<Forwarding.CallAccounting>().FlushAsync(context.RequestAborted);
            var report = CostReport.From(await context.Get<ILedgerStore>().QueryAsync(ledgerQuery, context.RequestAborted));
            var statuses = await context.Get<BudgetGate>().GetStatusAsync(context.RequestAborted);
            var own = statuses.Where(s => AppliesOnlyTo(s.Budget.Scope, key)).ToList();
            var runOuts = await AdminBudgetsEndpoints.RunOutsAsync(context, own);
            var budgets = own.Select(s => AdminBudgetsEndpoints.View(s, runOuts)).ToList();
            await context.JsonAsync(new
            {
                key = new { id = key.Id, tenant = key.Tenant, project = key.Project, user = key.User, name = key.Name },
                total = Money.Format(report.Total),
                currency = report.Currency,
                groups = report.Groups.Select(g => new { key = g.Key, cost = Money.Format(g.Cost), requests = g.Requests, input_tokens = g.InputTokens, output_tokens = g.OutputTokens }).ToList(),
                budgets,
            });
        }));
    }

    /// <summary>A budget the key holder may see: it names at least one of the key's own parts and no part of anyone else's.</summary>
    internal static bool AppliesOnlyTo(BudgetScope scope, VirtualKey key) => Forwarding.BudgetVisibility.IsOwn(scope, key);
}
