using Microsoft.AspNetCore.Routing;

namespace Tollgate.Gateway.Admin;

/// <summary>Maps the admin API besides keys: budgets, providers, reports, alerts, and the key holder's usage.</summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        AdminBudgetsEndpoints.Map(app);
        AdminProvidersEndpoints.Map(app);
        AdminReportsEndpoints.Map(app);
        AdminAlertsEndpoints.Map(app);
        AdminForecastEndpoints.Map(app);
        UsageEndpoint.Map(app);
        AnalyticsEndpoints.Map(app);
        SavingsEndpoints.Map(app);
        ReconcileEndpoints.Map(app);
        AdminAudit.Map(app);
        AdminOverviewEndpoint.Map(app);
        AdminOverviewChartEndpoint.Map(app);
        AdminCallsEndpoints.Map(app);
    }
}
