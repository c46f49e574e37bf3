namespace Tollgate.Alerts;

/// <summary>How urgent an alert is.</summary>
public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
    Emergency,
}
