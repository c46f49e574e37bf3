using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Forecasting;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Forwarding;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// <c>POST /admin/budgets</c> <c>{"scope": {"tenant": "acme"}, "limit": "1.50", "currency": "USD", "period": "daily", "enforcement": "hard"}</c>,
/// <c>GET /admin/budgets</c>, <c>GET /admin/budgets/{id}</c> (limit, spent, held, remaining, resets_at), <c>DELETE /admin/budgets/{id}</c>.
/// </summary>
internal static class AdminBudgetsEndpoints
{
    private static readonly string[] ScopeParts = ["tenant", "project", "user", "key", "provider", "model"];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/budgets", AdminContext.AdminOnly(CreateAsync));
        app.MapGet("/admin/budgets", AdminContext.AdminOnly(async context =>
        {
            var statuses = await context.Get<BudgetGate>().GetStatusAsync(context.RequestAborted);
            var runOuts = await RunOutsAsync(context, statuses);
            await context.JsonAsync(new { data = statuses.OrderBy(s => s.Budget.Id, StringComparer.Ordinal).Select(s => View(s, runOuts)).ToList() });
        }));
        app.MapGet("/admin/budgets/{id}", AdminContext.AdminOnly(async context =>
        {
            var id = (string)context.Request.RouteValues["id"]!;
            var status = (await context.Get<BudgetGate>().GetStatusAsync(context.RequestAborted)).FirstOrDefault(s => s.Budget.Id == id);
            if (status is null)
            {
                await OpenAiError.NotFound(context, $"no budget with id '{id}': GET /admin/budgets lists them");
                return;
            }

            await context.JsonAsync(View(status, await RunOutsAsync(context, [status])));
        }));
        app.MapDelete("/admin/budgets/{id}", AdminContext.AdminOnly(async context =>
        {
            var id = (string)context.Request.RouteValues["id"]!;
            if (!await context.Get<IBudgetDefinitionStore>().DeleteAsync(id, context.RequestAborted))
            {
                await OpenAiError.NotFound(context, $"no budget with id '{id}': GET /admin/budgets lists them");
                return;
            }

            context.Get<BudgetGate>().Invalidate();
            context.Get<BudgetStatusCache>().Invalidate();
            await context.JsonAsync(new { id, deleted = true });
        }));
    }

    private static async Task CreateAsync(HttpContext context)
    {
        using var document = await AdminJsonBody.ReadAsync(context);
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var (budget, error) = Parse(root);
        if (budget is null)
        {
            await OpenAiError.BadRequest(context, error!);
            return;
        }

        var problems = budget.Validate(context.Get<BudgetGate>().ExchangeRates);
        if (problems.Count > 0)
        {
            await OpenAiError.BadRequest(context, string.Join("; ", problems));
            return;
        }

        var definitions = context.Get<IBudgetDefinitionStore>();
        var existing = await definitions.GetAsync(budget.Id, context.RequestAborted);
        budget = budget with { CreatedAt = existing?.CreatedAt ?? context.Get<TimeProvider>().GetUtcNow() };
        if (root.TryGetProperty("id", out _) && existing is not null && !(root.TryGetProperty("replace", out var replace) && replace.ValueKind == JsonValueKind.True))
        {
            await OpenAiError.WriteAsync(context, 409, $"a budget with id '{budget.Id}' exists: send \"replace\": true to change it", "invalid_request_error", "conflict");
            return;
        }

        await definitions.UpsertAsync(budget, context.RequestAborted);
        context.Get<BudgetGate>().Invalidate();
        context.Get<BudgetStatusCache>().Invalidate();
        await context.JsonAsync(new { id = budget.Id, scope = ScopeObject(budget.Scope), limit = Money.Format(budget.Limit), currency = budget.Currency, period = budget.Period.ToString(), enforcement = budget.Enforcement.ToString().ToLowerInvariant() }, StatusCodes.Status201Created);
    }

    internal static (Budget? Budget, string? Error) Parse(JsonElement root)
    {
        var scope = BudgetScope.Global;
        if (root.TryGetProperty("scope", out var scopeElement) && scopeElement.ValueKind != JsonValueKind.Null)
        {
            if (scopeElement.ValueKind != JsonValueKind.Object)
            {
                return (null, "\"scope\" must be an object such as {\"tenant\": \"acme\"}, {\"key\": \"key_…\"} or {} for everything");
            }

            foreach (var part in scopeElement.EnumerateObject())
            {
                if (!ScopeParts.Contains(part.Name))
                {
                    return (null, $"scope part \"{part.Name}\" is unknown: use {string.Join(", ", ScopeParts)}");
                }

                if (part.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(part.Value.GetString()))
                {
                    return (null, $"scope part \"{part.Name}\" must be a non-empty string");
                }

                var value = part.Value.GetString()!.Trim();
                scope = part.Name switch
                {
                    "tenant" => scope with { Tenant = value },
                    "project" => scope with { Project = value },
                    "user" => scope with { User = value },
                    "key" => scope with { KeyId = value },
                    "provider" => scope with { Provider = value },
                    _ => scope with { Model = value },
                };
            }
        }

        if (!root.TryGetProperty("limit", out var limitElement) || !TryDecimal(limitElement, out var limit))
        {
            return (null, "\"limit\" is required: a decimal amount as a string, e.g. \"limit\": \"1.50\"");
        }

        var period = BudgetPeriod.Monthly;
        if (root.TryGetProperty("period", out var periodElement) && periodElement.ValueKind == JsonValueKind.String &&
            !BudgetPeriod.TryParse(periodElement.GetString(), out period, out var periodError))
        {
            return (null, periodError);
        }

        var enforcement = BudgetEnforcement.Hard;
        if (root.TryGetProperty("enforcement", out var enforcementElement) && enforcementElement.ValueKind == JsonValueKind.String &&
            !Enum.TryParse(enforcementElement.GetString(), ignoreCase: true, out enforcement))
        {
            return (null, $"enforcement '{enforcementElement.GetString()}' is unknown: use hard, soft, warn or adaptive");
        }

        decimal? perRequest = null;
        if (root.TryGetProperty("per_request_limit", out var perRequestElement) && perRequestElement.ValueKind != JsonValueKind.Null)
        {
            if (!TryDecimal(perRequestElement, out var pr))
            {
                return (null, "\"per_request_limit\" must be a decimal amount, e.g. \"0.10\"");
            }

            perRequest = pr;
        }

        var id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : "bud_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var budget = new Budget
        {
            Id = id,
            Name = root.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null,
            Scope = scope,
            Limit = limit,
            Currency = root.TryGetProperty("currency", out var currency) && currency.ValueKind == JsonValueKind.String ? currency.GetString()!.Trim().ToUpperInvariant() : "USD",
            Period = period!,
            Enforcement = enforcement,
            TimeZone = root.TryGetProperty("time_zone", out var tz) && tz.ValueKind == JsonValueKind.String ? tz.GetString()! : "UTC",
            PerRequestLimit = perRequest,
        };
        return (budget, null);
    }

    private static bool TryDecimal(JsonElement element, out decimal value)
    {
        value = 0;
        return element.ValueKind switch
        {
            JsonValueKind.String => decimal.TryParse(element.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out value),
            JsonValueKind.Number => element.TryGetDecimal(out value),
            _ => false,
        };
    }

    internal static Dictionary<string, string> ScopeObject(BudgetScope scope)
    {
        var result = new Dictionary<string, string>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                result[name] = value;
            }
        }

        Add("tenant", scope.Tenant);
        Add("project", scope.Project);
        Add("user", scope.User);
        Add("key", scope.KeyId);
        Add("provider", scope.Provider);
        Add("model", scope.Model);
        return result;
    }

    /// <summary>The run-out projection of each budget from its scope's ledger spend (<see cref="BudgetRunOutProjection"/>).</summary>
    internal static Task<IReadOnlyDictionary<string, BudgetRunOut>> RunOutsAsync(HttpContext context, IReadOnlyList<BudgetStatus> statuses) =>
        BudgetRunOutProjection.ProjectAsync(statuses, context.Get<Ledger.ILedgerStore>(), context.Get<BudgetGate>().ExchangeRates, context.Get<TimeProvider>().GetUtcNow(), context.RequestAborted);

    internal static object View(BudgetStatus status, IReadOnlyDictionary<string, BudgetRunOut> runOuts) => new
    {
        id = status.Budget.Id,
        name = status.Budget.Name,
        scope = ScopeObject(status.Budget.Scope),
        period = status.Budget.Period.ToString(),
        enforcement = status.Budget.Enforcement.ToString().ToLowerInvariant(),
        currency = status.Budget.Currency,
        limit = Money.Format(status.EffectiveLimit),
        spent = Money.Format(status.Spent),
        held = Money.Format(status.Held),
        remaining = Money.Format(status.Remaining),
        window = status.Window.Key,
        resets_at = status.ResetsAt,
        run_out = BudgetRunOutJson.View(runOuts.GetValueOrDefault(status.Budget.Id)),
    };
}
