namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Tollgate's own state (budget counters, the ledger and its spool) could not be reached during a call: answered with
/// 503 <c>store_unavailable</c>, never counted against the provider's health.
/// </summary>
internal sealed class StoreUnavailableException(string what, Exception inner) : Exception(what, inner);
