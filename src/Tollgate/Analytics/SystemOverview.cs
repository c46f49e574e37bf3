using Tollgate.Alerts;
using Tollgate.Budgets;

namespace Tollgate.Analytics;

/// <summary>
/// The first screen in one value (<c>tollgate status</c>, <c>GET /admin/overview</c>, the dashboard): spend today and this
/// month beside the same point of the previous period, every budget with its run-out, the providers, recent alerts.
/// </summary>
public sealed record SystemOverview(
    TimeZoneInfo TimeZone,
    DateTimeOffset At,
    SpendSummary Spend,
    IReadOnlyList<OverviewBudget> Budgets,
    IReadOnlyList<OverviewProvider> Providers,
    IReadOnlyList<AlertStatus> Alerts,
    TimeSpan AlertWindow,
    EmergencyState? Emergency);
