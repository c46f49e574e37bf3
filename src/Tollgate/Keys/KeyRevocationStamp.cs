namespace Tollgate.Keys;

/// <summary>
/// Changes whenever a key is revoked: how many keys are revoked and when the latest was. Hosts that cache key lookups
/// poll it (one cheap query) and drop their cache when it moves, so a revocation made anywhere (CLI, another gateway)
/// takes effect within the poll interval.
/// </summary>
/// <param name="RevokedKeys">Number of revoked keys.</param>
/// <param name="LatestRevocationMs">Unix milliseconds of the latest revocation; 0 when none.</param>
public readonly record struct KeyRevocationStamp(long RevokedKeys, long LatestRevocationMs);
