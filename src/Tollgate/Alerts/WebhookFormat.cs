namespace Tollgate.Alerts;

/// <summary>The JSON a webhook channel POSTs.</summary>
public enum WebhookFormat
{
    /// <summary>Slack incoming-webhook shape (<c>text</c>, <c>blocks</c>) plus Tollgate's fields.</summary>
    Slack,

    /// <summary>Tollgate's plain schema, <c>tollgate.alert.v1</c> (docs/alerts.md).</summary>
    Json,
}
