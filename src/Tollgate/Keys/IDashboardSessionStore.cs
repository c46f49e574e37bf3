namespace Tollgate.Keys;

/// <summary>
/// Where the dashboard's sessions live: beside the virtual keys (in memory, SQLite, PostgreSQL), so every gateway
/// instance on the same store accepts a session any of them issued, and a restart keeps it. "Now" comes from the
/// store's <see cref="TimeProvider"/>; a session is live while its expiry is later than now. Every implementation passes
/// the same conformance suite (<c>tests/Tollgate.Stores.Tests/Keys</c>).
/// </summary>
public interface IDashboardSessionStore
{
    /// <summary>Creates the schema if missing; idempotent.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Saves a session (replacing one with the same token hash).</summary>
    ValueTask SaveAsync(DashboardSessionRecord session, CancellationToken cancellationToken = default);

    /// <summary>The live session with this token hash; null when unknown or expired.</summary>
    ValueTask<DashboardSessionRecord?> FindAsync(string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Deletes the session with this token hash (sign-out); false when there was none.</summary>
    ValueTask<bool> DeleteAsync(string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Deletes every expired session; returns how many.</summary>
    ValueTask<int> DeleteExpiredAsync(CancellationToken cancellationToken = default);
}
