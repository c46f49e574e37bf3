using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Keys;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Which budgets' figures a key holder may see: only budgets that count its own spend — scoped to its tenant (and,
/// within it, its project or user) or to its key. A global, provider- or model-wide budget, or one naming a project or
/// user without the tenant, counts other tenants' spend too: its figures are shown only when the operator opts in
/// (<c>showSharedBudgets</c>).
/// </summary>
internal static class BudgetVisibility
{
    /// <summary>A budget that names at least one of the key's own parts and no part of anyone else's.</summary>
    public static bool IsOwn(BudgetScope scope, VirtualKey key)
    {
        var namesOwnPart = scope.Tenant is not null || scope.Project is not null || scope.User is not null || scope.KeyId is not null;
        return namesOwnPart &&
               (scope.Tenant is null || scope.Tenant == key.Tenant) &&
               (scope.Project is null || (scope.Project == key.Project && scope.Tenant is not null)) &&
               (scope.User is null || (scope.User == key.User && scope.Tenant is not null)) &&
               (scope.KeyId is null || scope.KeyId == key.Id) &&
               (scope.Tenant is not null || scope.KeyId is not null);
    }

    /// <summary>
    /// The 429 for a refusal by a shared budget: that it was a shared budget, when it resets and what this request needed
    /// (the caller's own figure) — no id, name, limit, spent, held or remaining of a budget that counts others' spend.
    /// </summary>
    public static Admission SharedRefusal(bool perRequestLimit, BudgetTrip trip, TimeSpan? retryAfter)
    {
        var resets = trip.ResetsAt is { } at ? at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : null;
        var message = perRequestLimit
            ? "a shared budget (one the operator set for more than your own keys) refuses this request: its worst case is above that budget's per-request limit; lower max_tokens or use a cheaper model"
            : $"a shared budget (one the operator set for more than your own keys) is exhausted for this request{(resets is null ? "" : $"; it resets at {resets}")}. Lower max_tokens, wait for the reset, or ask the operator.";
        var details = new Dictionary<string, object?>
        {
            ["budget"] = new Dictionary<string, object?>
            {
                ["scope"] = "shared",
                ["currency"] = trip.Currency,
                ["needed"] = Money.Format(trip.Needed),
                ["resets_at"] = trip.ResetsAt,
            },
        };
        return Admission.Refuse(429, "budget_exceeded", message, retryAfter, details);
    }
}
