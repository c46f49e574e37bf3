using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tollgate.Alerts;

/// <summary>Records an alert in the history and sends it to every sink; a failing sink is logged and does not stop the others.</summary>
public sealed class AlertDispatcher(IAlertHistory history, IEnumerable<IAlertSink> sinks, ILogger<AlertDispatcher>? logger = null)
{
    private readonly IAlertSink[] _sinks = [.. sinks];
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public IAlertHistory History => history;

    public async ValueTask<Alert> DispatchAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        var stored = await history.AppendAsync(alert, cancellationToken);
        await Task.WhenAll(_sinks.Select(async sink =>
        {
            try
            {
                await sink.SendAsync(stored, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.LogError(ex, "Alert sink {Sink} failed to deliver alert {AlertId}", sink.Name, stored.Id);
            }
        }));
        return stored;
    }
}
