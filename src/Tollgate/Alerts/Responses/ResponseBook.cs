using System.Collections.Concurrent;
using System.Globalization;

namespace Tollgate.Alerts.Responses;

/// <summary>
/// The automated responses in force. Applying and reversing one appends an entry to the alert history (kinds
/// <c>response_applied</c> / <c>response_reversed</c>), which is the record of what happened and the shared state:
/// <see cref="RefreshAsync"/> rebuilds the set from the history, so a reversal made by the CLI or another gateway
/// takes effect within one refresh. <see cref="Check"/> is on the request path: a dictionary read when nothing is in force.
/// </summary>
/// <param name="history">Where responses are recorded and read back from.</param>
/// <param name="timeProvider">The clock.</param>
/// <param name="publish">Records an entry and sends it to the alert channels (the gateway's dispatcher); default: the history only.</param>
public sealed class ResponseBook(IAlertHistory history, TimeProvider? timeProvider = null, Func<Alert, CancellationToken, ValueTask<Alert>>? publish = null)
{
    /// <summary>How far back the history is read for responses still in force.</summary>
    public static readonly TimeSpan Lookback = TimeSpan.FromDays(7);

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ConcurrentDictionary<long, Bucket> _buckets = new();
    private volatile AutomatedResponse[] _active = [];

    /// <summary>Called with each response applied or reversed, after it is in the history: the one place to route them to an audit log.</summary>
    public event Func<AutomatedResponse, string, string, CancellationToken, ValueTask>? Recorded;

    public IReadOnlyList<AutomatedResponse> Active => _active;

    /// <summary>Applies <paramref name="action"/> to the scope and records it; returns it as in force.</summary>
    public async ValueTask<AutomatedResponse> ApplyAsync(ResponseAction action, string dimension, string value, int requestsPerMinute, TimeSpan? duration, Alert cause, string rule, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var until = duration is { } d ? now + d : (DateTimeOffset?)null;
        var draft = new AutomatedResponse(0, action, dimension, value, requestsPerMinute, now, until, cause.Id, rule);
        var stored = await Publish(new Alert
        {
            At = now,
            Severity = AlertSeverity.Warning,
            Kind = AlertKinds.ResponseApplied,
            Message = $"automated response to alert #{cause.Id} (rule {rule}): {draft.Describe()}{(until is { } u ? $" until {u.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}" : "")}; reverse with POST /admin/alerts/responses/{{id}}/reverse or 'tollgate alerts reverse ID'",
            Details = new Dictionary<string, string>
            {
                ["action"] = action.ToString().ToLowerInvariant(),
                ["dimension"] = dimension,
                ["value"] = value,
                ["rpm"] = requestsPerMinute.ToString(CultureInfo.InvariantCulture),
                ["until"] = until?.ToString("O", CultureInfo.InvariantCulture) ?? "",
                ["alert_id"] = cause.Id.ToString(CultureInfo.InvariantCulture),
                ["rule"] = rule,
            },
        }, cancellationToken);
        var response = draft with { Id = stored.Id };
        _active = [.. _active.Where(r => r.Id != response.Id), response];
        await RecordForAuditAsync(response, "applied", "tollgate (automated)", cancellationToken);
        return response;
    }

    /// <summary>Reverses response <paramref name="responseId"/> (recorded with who did it); false when none such is in force.</summary>
    public async ValueTask<AutomatedResponse?> ReverseAsync(long responseId, string by, CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken);
        var response = _active.FirstOrDefault(r => r.Id == responseId);
        if (response is null)
        {
            return null;
        }

        await Publish(new Alert
        {
            At = _time.GetUtcNow(),
            Severity = AlertSeverity.Info,
            Kind = AlertKinds.ResponseReversed,
            Message = $"automated response #{responseId} reversed by {by}: {response.Describe()} no more",
            Details = new Dictionary<string, string>
            {
                ["response_id"] = responseId.ToString(CultureInfo.InvariantCulture),
                ["action"] = response.Action.ToString().ToLowerInvariant(),
                ["dimension"] = response.Dimension,
                ["value"] = response.Value,
                ["by"] = by,
            },
        }, cancellationToken);
        _active = [.. _active.Where(r => r.Id != responseId)];
        _buckets.TryRemove(responseId, out _);
        await RecordForAuditAsync(response, "reversed", by, cancellationToken);
        return response;
    }

    /// <summary>Rebuilds the responses in force from the history (applied, not reversed, not lapsed).</summary>
    public async ValueTask RefreshAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var entries = await history.QueryAsync(now - Lookback, cancellationToken);
        _active = [.. FromHistory(entries, now)];
    }

    /// <summary>The responses in force described by <paramref name="entries"/> at <paramref name="now"/>.</summary>
    public static IEnumerable<AutomatedResponse> FromHistory(IEnumerable<Alert> entries, DateTimeOffset now)
    {
        var list = entries.ToList();
        var reversed = list.Where(a => a.Kind == AlertKinds.ResponseReversed && a.Details.TryGetValue("response_id", out _))
            .Select(a => long.Parse(a.Details["response_id"], CultureInfo.InvariantCulture)).ToHashSet();
        foreach (var a in list.Where(a => a.Kind == AlertKinds.ResponseApplied).OrderBy(a => a.Id))
        {
            if (reversed.Contains(a.Id) || Parse(a) is not { } response || response.Until <= now)
            {
                continue;
            }

            yield return response;
        }
    }

    /// <summary>
    /// What the responses in force do to a caller of this tenant, project and key: a refusal (a throttle's with a wait)
    /// wins over emergency mode; null when nothing applies.
    /// </summary>
    public ResponseVerdict? Check(string? tenant, string? project, string keyId)
    {
        var active = _active;
        if (active.Length == 0)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        ResponseVerdict? emergency = null;
        foreach (var response in active)
        {
            if (response.Until <= now || !response.Covers(tenant, project, keyId))
            {
                continue;
            }

            switch (response.Action)
            {
                case ResponseAction.Refuse:
                    return new ResponseVerdict(response, null,
                        $"refused by automated response #{response.Id} to alert #{response.AlertId} (rule {response.Rule}): {response.Describe()}; an operator can reverse it (POST /admin/alerts/responses/{response.Id}/reverse)");
                case ResponseAction.Throttle or ResponseAction.Emergency when response.RequestsPerMinute > 0 || response.Action == ResponseAction.Throttle:
                    var bucket = _buckets.GetOrAdd(response.Id, static (_, r) => new Bucket(r.RequestsPerMinute), response);
                    if (!bucket.TryTake(_time.GetTimestamp(), _time.TimestampFrequency, out var wait))
                    {
                        return new ResponseVerdict(response, wait,
                            $"rate limited by automated response #{response.Id} to alert #{response.AlertId} (rule {response.Rule}): {response.Describe()}; retry after {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))}s");
                    }

                    break;
            }

            if (response.Action == ResponseAction.Emergency)
            {
                emergency ??= new ResponseVerdict(response, null, $"emergency mode by automated response #{response.Id} to alert #{response.AlertId} (rule {response.Rule})") { Emergency = true };
            }
        }

        return emergency;
    }

    private ValueTask<Alert> Publish(Alert alert, CancellationToken cancellationToken) =>
        publish is not null ? publish(alert, cancellationToken) : history.AppendAsync(alert, cancellationToken);

    private static AutomatedResponse? Parse(Alert a)
    {
        var d = a.Details;
        if (!d.TryGetValue("action", out var action) || !Enum.TryParse<ResponseAction>(action, ignoreCase: true, out var parsed) ||
            !d.TryGetValue("dimension", out var dimension) || !d.TryGetValue("value", out var value))
        {
            return null;
        }

        var rpm = d.TryGetValue("rpm", out var r) && int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        DateTimeOffset? until = d.TryGetValue("until", out var u) && DateTimeOffset.TryParse(u, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : null;
        var alertId = d.TryGetValue("alert_id", out var id) && long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var aid) ? aid : 0;
        return new AutomatedResponse(a.Id, parsed, dimension, value, rpm, a.At, until, alertId, d.GetValueOrDefault("rule") ?? "");
    }

    /// <summary>
    /// The single place an applied or reversed response leaves this class (besides the alert history): an audit log
    /// subscribes to <see cref="Recorded"/> here.
    /// </summary>
    private async ValueTask RecordForAuditAsync(AutomatedResponse response, string what, string by, CancellationToken cancellationToken)
    {
        if (Recorded is { } recorded)
        {
            await recorded(response, what, by, cancellationToken);
        }
    }

    /// <summary>A token bucket: <c>rpm</c> requests per minute, up to <c>rpm</c> at once.</summary>
    private sealed class Bucket(int rpm)
    {
        private readonly Lock _gate = new();
        private double _tokens = Math.Max(1, rpm);
        private long _last;

        public bool TryTake(long now, long frequency, out TimeSpan wait)
        {
            lock (_gate)
            {
                var perSecond = Math.Max(1, rpm) / 60.0;
                if (_last != 0)
                {
                    _tokens = Math.Min(Math.Max(1, rpm), _tokens + (now - _last) / (double)frequency * perSecond);
                }

                _last = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    wait = TimeSpan.Zero;
                    return true;
                }

                wait = TimeSpan.FromSeconds((1 - _tokens) / perSecond);
                return false;
            }
        }
    }
}
