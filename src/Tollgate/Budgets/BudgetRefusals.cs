using System.Globalization;
using Microsoft.Extensions.Logging;
using Tollgate.Costing;

namespace Tollgate.Budgets;

/// <summary>The refusal a budget that does not fit gives (what it trips, with the numbers the caller is told), logged.</summary>
internal sealed class BudgetRefusals(ILogger logger)
{
    private readonly ILogger _logger = logger;

    public BudgetDecision Refuse(BudgetRuntime rt, long spent, long held, long neededNanos, bool emergency, string? detail = null) =>
        Refuse(rt, rt.Window!, spent, held, neededNanos, emergency, detail);

    public BudgetDecision Refuse(BudgetRuntime rt, WindowState w, long spent, long held, long neededNanos, bool emergency, string? detail = null)
    {
        var trip = TripFor(rt, w, spent, held, Money.FromNanos(neededNanos), Money.FromNanos(w.LimitNanos));
        _logger.LogWarning("Budget '{Budget}' refused a request: needs {Needed}, {Remaining} {Currency} left", rt.Budget.Id, trip.Needed, trip.Remaining, trip.Currency);
        return new BudgetDecision
        {
            Allowed = false,
            Strategy = BudgetStrategy.Refused,
            Reason = $"budget '{rt.Budget.DisplayName}' ({rt.Budget.Id}) {detail ?? "would be exceeded"}: limit {Money.Format(trip.Limit)} {trip.Currency}, spent {Money.Format(trip.Spent)}, held {Money.Format(trip.Held)}, needed {Money.Format(trip.Needed)}" +
                (trip.ResetsAt is { } r ? ", resets at " + r.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : ", lifetime budget"),
            Trip = trip,
            EmergencyMode = emergency,
        };
    }

    public static BudgetTrip TripFor(BudgetRuntime rt, long spent, long held, decimal needed, decimal limit) => TripFor(rt, rt.Window, spent, held, needed, limit);

    public static BudgetTrip TripFor(BudgetRuntime rt, WindowState? w, long spent, long held, decimal needed, decimal limit) => new()
    {
        BudgetId = rt.Budget.Id,
        BudgetName = rt.Budget.DisplayName,
        Currency = rt.Budget.Currency,
        Limit = limit,
        Spent = Money.FromNanos(spent),
        Held = Money.FromNanos(held),
        Needed = needed,
        WindowKey = w?.Window.Key ?? "",
        ResetsAt = w?.Window.End,
        Scope = rt.Budget.Scope,
    };
}
