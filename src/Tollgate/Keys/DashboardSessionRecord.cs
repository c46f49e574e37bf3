namespace Tollgate.Keys;

/// <summary>
/// One signed-in dashboard session as a store holds it: the SHA-256 (64 lower-case hex characters) of the cookie's
/// random token — never the token —, the id of the key that signed in (the configured admin key: <c>admin:</c> and a stamp of
/// the configured keys) — never the key or its hash —, the session's
/// CSRF token (per session, no credential on its own) and when it ends.
/// </summary>
public sealed record DashboardSessionRecord(string TokenHash, string KeyId, string CsrfToken, DateTimeOffset ExpiresAt);
