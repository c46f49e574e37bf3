using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Keys;

namespace Tollgate.Audit;

/// <summary>
/// The before/after states the admin API and the CLI record, built the same way by both: what an operator set, never
/// key material (a key's secret and hash are not part of <see cref="VirtualKey"/>'s view).
/// </summary>
public static class AuditViews
{
    public static object Key(VirtualKey key) => new
    {
        id = key.Id,
        tenant = key.Tenant,
        project = key.Project,
        user = key.User,
        name = key.Name,
        rpm = key.RequestsPerMinute,
        tpm = key.TokensPerMinute,
        revoked_at = key.RevokedAt,
    };

    public static object Budget(Budget budget) => new
    {
        id = budget.Id,
        name = budget.Name,
        scope = budget.Scope.ToString(),
        limit = Money.Format(budget.Limit),
        currency = budget.Currency,
        period = budget.Period.ToString(),
        enforcement = budget.Enforcement.ToString().ToLowerInvariant(),
        time_zone = budget.TimeZone,
        per_request_limit = budget.PerRequestLimit is { } perRequest ? Money.Format(perRequest) : null,
        thresholds = budget.Thresholds,
        rollover = budget.Rollover,
        emergency_threshold = budget.EmergencyThreshold,
    };

    public static object Emergency(EmergencyState state) => new { budget_id = state.BudgetId, since = state.Since, reason = state.Reason };
}
