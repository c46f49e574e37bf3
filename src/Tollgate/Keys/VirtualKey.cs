namespace Tollgate.Keys;

/// <summary>
/// A virtual key's record: who it belongs to (tenant / project / user), its optional rate limits, and whether it
/// is revoked. The plaintext key is never stored: only its <see cref="KeyHash"/>.
/// </summary>
public sealed record VirtualKey
{
    /// <summary>Stable public identifier (<c>key_…</c>); safe to show, log and use in budget scopes.</summary>
    public required string Id { get; init; }

    public required string Tenant { get; init; }

    public string? Project { get; init; }

    public string? User { get; init; }

    /// <summary>A label for people (e.g. "ci pipeline").</summary>
    public string? Name { get; init; }

    /// <summary>True for an admin key: it may call <c>/admin/*</c> but not spend.</summary>
    public bool IsAdmin { get; init; }

    /// <summary>Requests per minute allowed for this key; null = no per-key request limit.</summary>
    public long? RequestsPerMinute { get; init; }

    /// <summary>Tokens (worst-case estimate) per minute allowed for this key; null = no per-key token limit.</summary>
    public long? TokensPerMinute { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    public bool IsRevoked => RevokedAt is not null;
}
