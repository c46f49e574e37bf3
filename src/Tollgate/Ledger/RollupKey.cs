namespace Tollgate.Ledger;

/// <summary>Key of the hourly rollup: UTC hour start (unix seconds) × every groupable dimension ('' for none).</summary>
internal readonly record struct RollupKey(
    long Hour, string Provider, string Model, string ApiFlavor, string Tenant, string Project, string User, string KeyId)
{
    public static RollupKey Of(UsageRecord r) => new(
        LedgerReportBuilder.HourOf(r.Timestamp), r.Provider, r.Model, r.ApiFlavor ?? "", r.Tenant ?? "",
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

    public bool Matches(LedgerFilter f, long? fromHour, long? toHour) =>
        (fromHour is null || Hour >= fromHour) && (toHour is null || Hour < toHour) &&
        Eq(f.Provider, Provider) && Eq(f.Model, Model) && Eq(f.ApiFlavor, ApiFlavor) && Eq(f.Tenant, Tenant) &&
        Eq(f.Project, Project) && Eq(f.User, User) && Eq(f.KeyId, KeyId);

    private static bool Eq(string? wanted, string actual) => wanted is null || wanted == actual;
}
