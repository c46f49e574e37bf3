namespace Tollgate.Ledger;

/// <summary>Export order: timestamp, then request id (ordinal), then attempt.</summary>
internal sealed class LedgerRecordOrder : IComparer<UsageRecord>
{
    public static LedgerRecordOrder Instance { get; } = new();

    public int Compare(UsageRecord? x, UsageRecord? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        var c = x.Timestamp.CompareTo(y.Timestamp);
        if (c == 0)
        {
            c = string.CompareOrdinal(x.RequestId, y.RequestId);
        }

        return c != 0 ? c : x.Attempt.CompareTo(y.Attempt);
    }
}
