using System.Text.Json.Serialization;

namespace Tollgate.Alerts;

/// <summary>The plain JSON body of an alert (<c>"schema": "tollgate.alert.v1"</c>), documented in docs/alerts.md.</summary>
public sealed record AlertPayload(
    [property: JsonPropertyName("schema")] string Schema,
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("severity")] string Severity,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("budget_id")] string? BudgetId,
    [property: JsonPropertyName("window")] string? Window,
    [property: JsonPropertyName("details")] IReadOnlyDictionary<string, string> Details)
{
    public const string SchemaName = "tollgate.alert.v1";

    public static AlertPayload From(Alert alert) =>
        new(SchemaName, alert.Id, alert.At, alert.Severity.ToString().ToLowerInvariant(), alert.Kind, alert.Message, alert.BudgetId, alert.WindowKey, alert.Details);
}
