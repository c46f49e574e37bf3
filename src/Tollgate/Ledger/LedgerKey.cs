namespace Tollgate.Ledger;

/// <summary>The idempotency key of a ledger record: one billed attempt of one request.</summary>
public readonly record struct LedgerKey(string RequestId, int Attempt)
{
    public override string ToString() => $"{RequestId}#{Attempt}";
}
