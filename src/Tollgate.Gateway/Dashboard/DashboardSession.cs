using Tollgate.Keys;

namespace Tollgate.Gateway.Dashboard;

/// <summary>
/// A signed-in dashboard user: which key signed in (its public identity, never the key itself), the CSRF token every
/// change must carry, and when the session ends. Held server-side under the SHA-256 of the cookie's random token.
/// </summary>
internal sealed record DashboardSession(VirtualKey Key, string CsrfToken, DateTimeOffset ExpiresAt);
