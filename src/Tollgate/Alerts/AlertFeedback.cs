using System.Globalization;

namespace Tollgate.Alerts;

/// <summary>
/// An operator's word on an alert — acknowledged, or expected (not an incident: the anomaly baseline learns its level) —
/// appended to the alert history as its own entry, so every store keeps it without a schema change and
/// every instance sees it.
/// </summary>
public static class AlertFeedback
{
    /// <summary>Appends the acknowledgement or expected-marking of <paramref name="target"/>.</summary>
    public static ValueTask<Alert> RecordAsync(IAlertHistory history, Alert target, string kind, string by, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var what = kind == AlertKinds.MarkedExpected ? "marked expected" : "acknowledged";
        return history.AppendAsync(new Alert
        {
            At = now,
            Severity = AlertSeverity.Info,
            Kind = kind,
            Message = $"alert #{target.Id} ({target.Kind}) {what} by {by}",
            Details = new Dictionary<string, string> { ["alert_id"] = target.Id.ToString(CultureInfo.InvariantCulture), ["by"] = by },
        }, cancellationToken);
    }

    /// <summary>The alerts of <paramref name="entries"/> (feedback entries folded into them), newest first.</summary>
    public static IReadOnlyList<AlertStatus> Fold(IReadOnlyList<Alert> entries)
    {
        var acknowledged = new Dictionary<long, Alert>();
        var expected = new Dictionary<long, Alert>();
        foreach (var entry in entries.Where(e => AlertKinds.IsFeedback(e.Kind)))
        {
            if (entry.Details.TryGetValue("alert_id", out var id) && long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var target))
            {
                (entry.Kind == AlertKinds.Acknowledged ? acknowledged : expected).TryAdd(target, entry);
            }
        }

        return entries.Where(e => !AlertKinds.IsFeedback(e.Kind))
            .Select(e => new AlertStatus(e, acknowledged.GetValueOrDefault(e.Id), expected.GetValueOrDefault(e.Id)))
            .ToList();
    }
}

/// <summary>An alert with its acknowledgement and expected-marking, when there are.</summary>
public sealed record AlertStatus(Alert Alert, Alert? Acknowledged, Alert? Expected);
