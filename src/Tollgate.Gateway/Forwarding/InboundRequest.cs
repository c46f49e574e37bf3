using Tollgate.Keys;

namespace Tollgate.Gateway.Forwarding;

/// <summary>An authenticated caller's request as read: its key, the attribution from its headers, and the body (owned by the walk).</summary>
internal readonly record struct InboundRequest(VirtualKey Key, RequestAttribution Attribution, PooledBuffer Body);
