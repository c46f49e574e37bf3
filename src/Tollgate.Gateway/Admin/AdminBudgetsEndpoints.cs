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
            var before = await context.Get<IBudgetDefinitionStore>().GetAsync(id, context.RequestAborted);
            if (before is null || !await context.Get<IBudgetDefinitionStore>().DeleteAsync(id, context.RequestAborted))
            {
                await OpenAiError.NotFound(context, $"no budget with id '{id}': GET /admin/budgets lists them");
                return;
            }

            context.Get<BudgetGate>().Invalidate();
            context.Get<BudgetStatusCache>().Invalidate();
            await AdminAudit.RecordAsync(context, "budget.delete", id, Tollgate.Audit.AuditViews.Budget(before), null);
            await context.JsonAsync(new { id, deleted = true });
        }));
    }

    private static async Task CreateAsync(HttpContext context)
    {
        using var document = await AdminJsonBody.ReadAsync(context, Fields);
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
        await AdminAudit.RecordAsync(context, "budget.set", budget.Id, existing is null ? null : Tollgate.Audit.AuditViews.Budget(existing), Tollgate.Audit.AuditViews.Budget(budget));
        context.Get<BudgetGate>().Invalidate();
        context.Get<BudgetStatusCache>().Invalidate();
        await context.JsonAsync(new { id = budget.Id, scope = ScopeObject(budget.Scope), limit = Money.Format(budget.Limit), currency = budget.Currency, period = budget.Period.ToString(), enforcement = budget.Enforcement.ToString().ToLowerInvariant() }, StatusCodes.Status201Created);
    }

    /// <summary>The fields a budget body may have (any other is refused, so a typo is not silently ignored).</summary>
    internal static readonly string[] Fields = ["id", "name", "scope", "limit", "currency", "period", "enforcement", "time_zone", "per_request_limit", "replace"];

    /// <summary>
    /// A budget from an admin body, strictly: the scope is required (<c>{}</c> for a global budget), every field has its
    /// own JSON type (nothing is coerced), amounts are plain decimals ("1,50" is not 150), text has no control characters.
    /// </summary>
    internal static (Budget? Budget, string? Error) Parse(JsonElement root)
    {
        if (!root.TryGetProperty("scope", out var scopeElement) || scopeElement.ValueKind == JsonValueKind.Null)
        {
            return (null, "\"scope\" is required: an object such as {\"tenant\": \"acme\"} or {\"key\": \"key_…\"}, or {} for a global budget over everything");
        }

        if (scopeElement.ValueKind != JsonValueKind.Object)
        {
            return (null, "\"scope\" must be an object such as {\"tenant\": \"acme\"}, {\"key\": \"key_…\"} or {} for everything");
        }

        var scope = BudgetScope.Global;
        var parts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in scopeElement.EnumerateObject())
        {
            if (!ScopeParts.Contains(part.Name))
            {
                return (null, $"scope part \"{(part.Name.Any(char.IsControl) ? "?" : part.Name)}\" is unknown: use {string.Join(", ", ScopeParts)}");
            }

            if (!parts.Add(part.Name))
            {
                return (null, $"scope part \"{part.Name}\" is given more than once");
            }

            if (part.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(part.Value.GetString()))
            {
                return (null, $"scope part \"{part.Name}\" must be a non-empty string");
            }

            var raw = part.Value.GetString()!;
            if (raw.Any(char.IsControl) || raw.Length > 200)
            {
                return (null, $"scope part \"{part.Name}\" must be at most 200 printable characters (no line breaks or control characters)");
            }

            var value = raw.Trim();
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

        if (!root.TryGetProperty("limit", out var limitElement) || limitElement.ValueKind == JsonValueKind.Null)
        {
            return (null, "\"limit\" is required: a decimal amount as a string, e.g. \"limit\": \"1.50\"");
        }

        if (!TryDecimal(limitElement, out var limit))
        {
            return (null, "\"limit\" must be a decimal amount with a dot for decimals and no thousands separators, e.g. \"1.50\" or \"1500\"");
        }

        string? error = null;
        var periodText = AdminJsonBody.OptionalString(root, "period", ref error, 32);
        var enforcementText = AdminJsonBody.OptionalString(root, "enforcement", ref error, 32);
        var currencyText = AdminJsonBody.OptionalString(root, "currency", ref error, 8);
        var timeZoneText = AdminJsonBody.OptionalString(root, "time_zone", ref error, 64);
        var name = AdminJsonBody.OptionalString(root, "name", ref error);
        var idText = AdminJsonBody.OptionalString(root, "id", ref error, 128);
        AdminJsonBody.OptionalBoolean(root, "replace", ref error);
        if (error is not null)
        {
            return (null, error);
        }

        var period = BudgetPeriod.Monthly;
        if (periodText is not null && !BudgetPeriod.TryParse(periodText, out period, out var periodError))
        {
            return (null, "\"period\": " + periodError);
        }

        var enforcement = BudgetEnforcement.Hard;
        if (enforcementText is not null &&
            (!Enum.TryParse(enforcementText, ignoreCase: true, out enforcement) || !Enum.IsDefined(enforcement) || enforcementText.Any(char.IsDigit)))
        {
            return (null, $"enforcement '{enforcementText}' is unknown: use hard, soft, warn or adaptive");
        }

        decimal? perRequest = null;
        if (root.TryGetProperty("per_request_limit", out var perRequestElement) && perRequestElement.ValueKind != JsonValueKind.Null)
        {
            if (!TryDecimal(perRequestElement, out var pr))
            {
                return (null, "\"per_request_limit\" must be a decimal amount with a dot for decimals, e.g. \"0.10\"");
            }

            perRequest = pr;
        }

        var budget = new Budget
        {
            Id = idText ?? "bud_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)),
            Name = name,
            Scope = scope,
            Limit = limit,
            Currency = currencyText?.ToUpperInvariant() ?? "USD",
            Period = period!,
            Enforcement = enforcement,
            TimeZone = timeZoneText ?? "UTC",
            PerRequestLimit = perRequest,
        };
        return (budget, null);
    }

    /// <summary>A decimal amount: a JSON number, or a string of digits with an optional dot and leading minus (no thousands separators, exponents or spaces).</summary>
    private static bool TryDecimal(JsonElement element, out decimal value)
    {
        value = 0;
        return element.ValueKind switch
        {
            JsonValueKind.String => decimal.TryParse(element.GetString(), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value),
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
        time_zone = status.Budget.TimeZone,
        per_request_limit = status.Budget.PerRequestLimit is { } perRequest ? Money.Format(perRequest) : null,
        configured_limit = Money.Format(status.Budget.Limit),
        limit = Money.Format(status.EffectiveLimit),
        spent = Money.Format(status.Spent),
        held = Money.Format(status.Held),
        remaining = Money.Format(status.Remaining),
        window = status.Window.Key,
        resets_at = status.ResetsAt,
        run_out = BudgetRunOutJson.View(runOuts.GetValueOrDefault(status.Budget.Id)),
    };
}
