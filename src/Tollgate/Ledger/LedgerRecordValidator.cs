namespace Tollgate.Ledger;

/// <summary>Checks a batch before any store touches it, so a store never half-writes a malformed batch.</summary>
internal static class LedgerRecordValidator
{
    public const string SupportedCurrency = "USD";

    public static void ValidateBatch(IReadOnlyList<UsageRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        for (var i = 0; i < records.Count; i++)
        {
            if (Problem(records[i]) is { } problem)
            {
                throw new ArgumentException($"ledger record {i}: {problem}", nameof(records));
            }
        }
    }

    /// <summary>What is wrong with the record, or null when it can be stored.</summary>
    public static string? Problem(UsageRecord? record)
    {
        if (record is null)
        {
            return "record is null";
        }

        if (string.IsNullOrEmpty(record.RequestId))
        {
            return "request id is empty";
        }

        if (record.Attempt < 0)
        {
            return "attempt must be 0 or more";
        }

        if (string.IsNullOrEmpty(record.Provider) || string.IsNullOrEmpty(record.Model))
        {
            return "provider and model are required";
        }

        if (record.Currency != SupportedCurrency)
        {
            return $"currency '{record.Currency}' is not supported: the ledger is kept in {SupportedCurrency}";
        }

        if (record.LatencyMs < 0)
        {
            return "latency must be 0 or more";
        }

        if (!IsFingerprint(record.RequestFingerprint) || !IsFingerprint(record.PrefixFingerprint))
        {
            return "request_fingerprint and prefix_fingerprint must be 32 lowercase hexadecimal characters (64 in ledgers written before XXH3-128 replaced SHA-256)";
        }

        if (record.PrefixTokens < 0 || (record.PrefixTokens > 0 && record.PrefixFingerprint is null))
        {
            return "prefix_tokens must be 0 or more, and 0 without a prefix_fingerprint";
        }

        return null;
    }

    private static bool IsFingerprint(string? value) =>
        value is null || (value.Length is 32 or 64 && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'));
}
