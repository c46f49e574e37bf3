namespace Tollgate.Ledger;

/// <summary>
/// Key of the finest rollup: start of the UTC quarter hour (unix seconds) × every groupable dimension ('' for none).
/// The coarser rollups (hour, day) are summed from it. A quarter hour divides every UTC offset in use, so local hours
/// and days in any zone are unions of whole quarters.
/// </summary>
internal readonly record struct RollupKey(
    long Time, string Provider, string Model, string ApiFlavor, string Tenant, string Project, string User, string KeyId)
{
    public static RollupKey Of(UsageRecord r) => new(
        LedgerReportBuilder.QuarterOf(r.Timestamp), r.Provider, r.Model, r.ApiFlavor ?? "", r.Tenant ?? "",
        r.Project ?? "", r.User ?? "", r.KeyId ?? "");

    public string Get(LedgerDimension dimension) => dimension switch
    {
        LedgerDimension.Provider => Provider,
        LedgerDimension.Model => Model,
        LedgerDimension.ApiFlavor => ApiFlavor,
        LedgerDimension.Tenant => Tenant,
        LedgerDimension.Project => Project,
        LedgerDimension.User => User,
        LedgerDimension.Key => KeyId,
        _ => throw new ArgumentOutOfRangeException(nameof(dimension)),
    };

    public bool Matches(LedgerFilter f) =>
        Eq(f.Provider, Provider) && Eq(f.Model, Model) && Eq(f.ApiFlavor, ApiFlavor) && Eq(f.Tenant, Tenant) &&
        Eq(f.Project, Project) && Eq(f.User, User) && Eq(f.KeyId, KeyId);

    private static bool Eq(string? wanted, string actual) => wanted is null || wanted == actual;
}
