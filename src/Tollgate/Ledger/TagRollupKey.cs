namespace Tollgate.Ledger;

/// <summary>
/// Key of a tag rollup row: start of the UTC quarter hour or day (unix seconds) × one tag of the record × the narrow
/// dimensions ('' for none). A record counts once under each of its tags.
/// </summary>
internal readonly record struct TagRollupKey(
    long Time, string Key, string Value, string Provider, string Model, string ApiFlavor, string Tenant)
{
    public string Get(LedgerDimension dimension) => dimension switch
    {
        LedgerDimension.Provider => Provider,
        LedgerDimension.Model => Model,
        LedgerDimension.ApiFlavor => ApiFlavor,
        LedgerDimension.Tenant => Tenant,
        _ => throw new ArgumentOutOfRangeException(nameof(dimension)),
    };

    /// <summary>True when the row's dimensions match the filter's (the tag rollups serve no project, user or key filter).</summary>
    public bool Matches(LedgerFilter f) =>
        Eq(f.Provider, Provider) && Eq(f.Model, Model) && Eq(f.ApiFlavor, ApiFlavor) && Eq(f.Tenant, Tenant);

    private static bool Eq(string? wanted, string actual) => wanted is null || wanted == actual;
}
