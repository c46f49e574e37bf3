namespace Tollgate.Ledger;

/// <summary>
/// Which records a query or an export covers. Null means "any". <see cref="From"/> is inclusive and
/// <see cref="To"/> exclusive, compared with exact (microsecond) timestamps by reports and exports alike.
/// </summary>
public sealed record LedgerFilter
{
    public static LedgerFilter All { get; } = new();

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public string? Tenant { get; init; }

    public string? Project { get; init; }

    public string? User { get; init; }

    public string? Provider { get; init; }

    public string? Model { get; init; }

    public string? KeyId { get; init; }

    public string? ApiFlavor { get; init; }

    /// <summary>Restricts to one session; such reports are computed from the (indexed) raw records of that session.</summary>
    public string? SessionId { get; init; }

    /// <summary>True when the record matches every set field (exact timestamps).</summary>
    public bool Matches(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return (From is null || record.Timestamp >= From) && (To is null || record.Timestamp < To) &&
               Eq(Tenant, record.Tenant) && Eq(Project, record.Project) && Eq(User, record.User) &&
               Eq(Provider, record.Provider) && Eq(Model, record.Model) && Eq(KeyId, record.KeyId) &&
               Eq(ApiFlavor, record.ApiFlavor) && Eq(SessionId, record.SessionId);
    }

    private static bool Eq(string? wanted, string? actual) => wanted is null || wanted == actual;
}
