namespace Tollgate.Ledger;

/// <summary>
/// The dimension set of a rollup row (every groupable dimension, '' for none). The relational stores keep each
/// distinct set once in <c>ledger_dims</c> under an integer id and key their wide rollups by (time, id): an upsert
/// is then an integer-key lookup instead of a comparison of seven text columns.
/// </summary>
internal readonly record struct RollupDims(
    string Provider, string Model, string ApiFlavor, string Tenant, string Project, string User, string KeyId)
{
    /// <summary>The <c>ledger_dims</c> columns, in this type's order.</summary>
    public const string Columns = "provider, model, api_flavor, tenant, project, user_id, key_id";

    public static RollupDims Of(in RollupKey key) =>
        new(key.Provider, key.Model, key.ApiFlavor, key.Tenant, key.Project, key.User, key.KeyId);
}
