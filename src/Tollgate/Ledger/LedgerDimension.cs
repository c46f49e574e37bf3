namespace Tollgate.Ledger;

/// <summary>A record attribute reports can group and filter by.</summary>
public enum LedgerDimension
{
    Provider,
    Model,
    Project,
    User,
    Tenant,
    Key,
    ApiFlavor,
}
