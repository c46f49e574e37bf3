namespace Tollgate.Alerts;

/// <summary>Somewhere alerts go (log, webhook, e-mail). A sink throws when delivery finally failed; the dispatcher logs it.</summary>
public interface IAlertSink
{
    string Name { get; }

    ValueTask SendAsync(Alert alert, CancellationToken cancellationToken = default);
}
