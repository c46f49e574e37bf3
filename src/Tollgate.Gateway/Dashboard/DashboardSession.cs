using Tollgate.Keys;

namespace Tollgate.Gateway.Dashboard;

/// <summary>
/// A signed-in dashboard user: which key signed in (its public identity, never the key itself), the CSRF token every
/// change must carry, and when the session ends. Stored (the key by its id only) under the SHA-256 of the cookie's random
/// token, in the store beside the keys (<see cref="DashboardSessions"/>).
/// </summary>
internal sealed record DashboardSession(VirtualKey Key, string CsrfToken, DateTimeOffset ExpiresAt);
