using Microsoft.Extensions.DependencyInjection;
using Tollgate.Alerts;
using Tollgate.Costing;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Dashboard;

/// <summary>A month of calls for the dashboard's pages: three tenants, four models, a key each, budgets and alerts.</summary>
internal static class DashboardSeed
{
    public static readonly (string Tenant, string Provider, string Model, decimal CostPerCall)[] Streams =
    [
        ("acme", "openai", "gpt-4o", 0.0125m),
        ("acme", "anthropic", "claude-sonnet-4-5", 0.0210m),
        ("globex", "openai", "gpt-4o-mini", 0.0009m),
        ("initech", "google", "gemini-2.5-flash", 0.0031m),
    ];

    /// <summary>Seeds 30 days of calls (one per stream and hour, more on weekdays); returns the key ids by tenant.</summary>
    public static async Task<Dictionary<string, (string Id, string Key)>> SeedAsync(TestGateway gateway, CancellationToken cancellationToken)
    {
        var keys = new Dictionary<string, (string Id, string Key)>();
        foreach (var tenant in Streams.Select(s => s.Tenant).Distinct())
        {
            keys[tenant] = await gateway.CreateKeyAsync(tenant, "app", "user-" + tenant);
        }

        var now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);
        var records = new List<UsageRecord>();
        for (var h = 1; h <= 30 * 24; h++)
        {
            var at = hour.AddHours(-h);
            var calls = at.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1 : 2 + (at.Hour is >= 9 and <= 17 ? 2 : 0);
            foreach (var (tenant, provider, model, cost) in Streams)
            {
                for (var c = 0; c < calls; c++)
                {
                    records.Add(new UsageRecord
                    {
                        RequestId = $"seed-{tenant}-{model}-{h}-{c}",
                        Timestamp = at.AddMinutes(7 + (c * 11)),
                        Provider = provider,
                        Model = model,
                        ApiFlavor = "chat",
                        Tenant = tenant,
                        Project = "app",
                        User = "user-" + tenant,
                        KeyId = keys[tenant].Id,
                        Usage = new Usage { InputTokens = 1000, OutputTokens = 250 },
                        InputCost = cost * 0.4m,
                        OutputCost = cost * 0.6m,
                        TotalCost = cost,
                        LatencyMs = 300 + (c * 40),
                        PriceSource = "genai-prices",
                        Success = !(h % 97 == 0 && c == 0),
                        ErrorClass = h % 97 == 0 && c == 0 ? "upstream_5xx" : null,
                    });
                }
            }
        }

        await gateway.Host.Services.GetRequiredService<ILedgerStore>().AppendAsync(records, cancellationToken);
        await gateway.CreateBudgetAsync(new { id = "acme-monthly", name = "Acme monthly", scope = new { tenant = "acme" }, limit = "100", currency = "USD", period = "monthly", enforcement = "hard" });
        await gateway.CreateBudgetAsync(new { id = "globex-daily", scope = new { tenant = "globex" }, limit = "5", currency = "USD", period = "daily", enforcement = "soft" });
        var history = gateway.Host.Services.GetRequiredService<IAlertHistory>();
        await history.AppendAsync(new Alert { At = now.AddDays(-3), Severity = AlertSeverity.Warning, Kind = AlertKinds.Anomaly, Message = "acme spend 4.1x its usual hourly level" }, cancellationToken);
        await history.AppendAsync(new Alert { At = now.AddHours(-1), Severity = AlertSeverity.Critical, Kind = AlertKinds.BudgetThreshold, Message = "budget globex-daily at 90 %", BudgetId = "globex-daily" }, cancellationToken);
        return keys;
    }
}
