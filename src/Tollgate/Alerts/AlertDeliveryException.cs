namespace Tollgate.Alerts;

/// <summary>A channel could not deliver an alert after its retries.</summary>
public sealed class AlertDeliveryException(string message, Exception? inner = null) : Exception(message, inner);
