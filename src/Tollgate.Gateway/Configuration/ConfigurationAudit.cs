using Tollgate.Audit;
using Tollgate.Gateway.Forwarding;

namespace Tollgate.Gateway.Configuration;

/// <summary>
/// Records the configuration a gateway started with (actor <c>config</c>, action <c>config.load</c>) when it differs
/// from the last one recorded: providers (name, base URL, where the key came from — never the key), limits and
/// disclosure settings. So a changed tollgate.json shows in the audit log with its before and after.
/// </summary>
internal static class ConfigurationAudit
{
    private const string Action = "config.load";

    public static async Task RecordIfChangedAsync(AuditRecorder recorder, GatewayOptions options, IReadOnlyList<UpstreamEndpoint> endpoints, CancellationToken cancellationToken)
    {
        var now = new
        {
            providers = endpoints.Select(e => new { name = e.Name, base_url = e.BaseUri.ToString(), source = e.Source }).OrderBy(p => p.name, StringComparer.Ordinal).ToList(),
            max_request_body_bytes = options.MaxRequestBodyBytes,
            show_shared_budgets = options.ShowSharedBudgets,
            ledger = options.Ledger,
            rate_limits = options.RateLimits.Count,
        };
        var recent = await recorder.Log.QueryAsync(new AuditQuery(Limit: 1000), cancellationToken);
        var last = recent.FirstOrDefault(e => e.Action == Action);
        if (last?.After != AuditRecorder.ToJson(now))
        {
            await recorder.RecordAsync("config", Action, "tollgate.json", last?.After is { } before ? System.Text.Json.JsonDocument.Parse(before).RootElement.Clone() : null, now, cancellationToken);
        }
    }
}
