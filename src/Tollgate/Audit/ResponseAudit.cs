using Tollgate.Alerts.Responses;

namespace Tollgate.Audit;

/// <summary>Routes automated alert responses (applied by a rule, reversed by an operator) into the audit log.</summary>
public static class ResponseAudit
{
    /// <summary>Records every response <paramref name="book"/> applies or reverses as <c>alert_response.applied</c> / <c>alert_response.reversed</c>.</summary>
    public static void RecordIn(this ResponseBook book, AuditRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(recorder);
        book.Recorded += async (response, what, by, cancellationToken) =>
        {
            var state = new
            {
                id = response.Id,
                action = response.Action.ToString().ToLowerInvariant(),
                dimension = response.Dimension,
                value = response.Value,
                requests_per_minute = response.RequestsPerMinute,
                until = response.Until,
                alert_id = response.AlertId,
                rule = response.Rule,
            };
            var reversed = what == "reversed";
            await recorder.RecordAsync(by, "alert_response." + what, $"{response.Dimension}:{response.Value}", reversed ? state : null, reversed ? null : state, cancellationToken);
        };
    }
}
