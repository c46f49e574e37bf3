namespace Tollgate.Ledger;

/// <summary>The names of the <see cref="LedgerDimension"/>s in the CLI, the admin API and reports.</summary>
public static class LedgerDimensionNames
{
    /// <summary>Every name, in the order reports list them.</summary>
    public static readonly IReadOnlyList<string> All = ["provider", "model", "project", "user", "tenant", "key", "api"];

    /// <summary>Parses a name of <see cref="All"/> (case-insensitive, surrounding spaces ignored).</summary>
    public static bool TryParse(string? text, out LedgerDimension dimension)
    {
        LedgerDimension? parsed = (text ?? "").Trim().ToLowerInvariant() switch
        {
            "provider" => LedgerDimension.Provider,
            "model" => LedgerDimension.Model,
            "project" => LedgerDimension.Project,
            "user" => LedgerDimension.User,
            "tenant" => LedgerDimension.Tenant,
            "key" => LedgerDimension.Key,
            "api" => LedgerDimension.ApiFlavor,
            _ => null,
        };
        dimension = parsed.GetValueOrDefault();
        return parsed is not null;
    }

    /// <summary>The name of a dimension (<c>api</c> for <see cref="LedgerDimension.ApiFlavor"/>).</summary>
    public static string Name(LedgerDimension dimension) =>
        dimension == LedgerDimension.ApiFlavor ? "api" : dimension.ToString().ToLowerInvariant();
}
