namespace Tollgate.Alerts;

/// <summary>Every alert that fired, queryable by time ("alerts in the last 24 h").</summary>
public interface IAlertHistory
{
    /// <summary>Stores the alert; returns it with its id.</summary>
    ValueTask<Alert> AppendAsync(Alert alert, CancellationToken cancellationToken = default);

    /// <summary>Alerts at or after <paramref name="since"/>, newest first.</summary>
    ValueTask<IReadOnlyList<Alert>> QueryAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}
