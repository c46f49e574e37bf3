namespace Tollgate.Ledger;

/// <summary>
/// What an append did: records newly stored, records whose key was already stored (ignored), and records older
/// than the retention horizon (ignored: their duplicates could no longer be detected).
/// </summary>
public readonly record struct LedgerAppendResult(int Inserted, int Duplicates, int Expired = 0)
{
    public static LedgerAppendResult operator +(LedgerAppendResult a, LedgerAppendResult b) =>
        new(a.Inserted + b.Inserted, a.Duplicates + b.Duplicates, a.Expired + b.Expired);

    public LedgerAppendResult Add(LedgerAppendResult other) => this + other;
}
