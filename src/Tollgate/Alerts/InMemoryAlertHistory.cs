namespace Tollgate.Alerts;

/// <summary>Alert history in process memory.</summary>
public sealed class InMemoryAlertHistory : IAlertHistory
{
    private readonly Lock _lock = new();
    private readonly List<Alert> _alerts = [];

    public ValueTask<Alert> AppendAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            alert = alert with { Id = _alerts.Count + 1 };
            _alerts.Add(alert);
            return ValueTask.FromResult(alert);
        }
    }

    public ValueTask<IReadOnlyList<Alert>> QueryAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult<IReadOnlyList<Alert>>([.. _alerts.Where(a => a.At >= since).OrderByDescending(a => a.At).ThenByDescending(a => a.Id)]);
        }
    }
}
