namespace Tollgate.Ledger;

/// <summary>
/// A provider's model whose priced, measured calls in a range include some the rollups' sums cannot describe: calls
/// reporting units other than the five with their own columns (<see cref="OtherUnits"/>), or with more than
/// <see cref="LongInputTokens"/> input tokens (<see cref="LargestInputTokens"/> is the largest). What-if prices a
/// model's summed usage only when neither changes its price.
/// </summary>
public sealed record LedgerUsageOutlier(string Provider, string Model, bool OtherUnits, long LargestInputTokens)
{
    /// <summary>
    /// Input tokens above which a call counts as long: below every long-context price tier of the catalog (the lowest
    /// starts at 128 000), so a model without outliers has no call above it.
    /// </summary>
    public const long LongInputTokens = 100_000;

    /// <summary>
    /// The records that are estimated, unpriced, report other units or are long, as one SQL condition (<paramref name="flag"/>
    /// turns a flag column into a true test in the store's dialect). Each relational store keeps a partial index on exactly
    /// this condition, so a query that carries it reads only those records.
    /// </summary>
    public static string IrregularSql(Func<string, string> flag)
    {
        ArgumentNullException.ThrowIfNull(flag);
        return $"({flag("estimated")} OR {flag("unpriced")} OR usage_extra IS NOT NULL OR input_tokens > {LongInputTokens})";
    }

    /// <summary>The outliers among <paramref name="records"/>: the stores' query, for a store that has none.</summary>
    public static IReadOnlyList<LedgerUsageOutlier> Of(IEnumerable<UsageRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var found = new Dictionary<(string, string), LedgerUsageOutlier>();
        foreach (var r in records)
        {
            var other = LedgerColumns.EncodeExtraUsage(r.Usage) is not null;
            if (r.Estimated || r.Unpriced || (!other && r.Usage.InputTokens <= LongInputTokens))
            {
                continue;
            }

            found[(r.Provider, r.Model)] = found.TryGetValue((r.Provider, r.Model), out var seen)
                ? seen with { OtherUnits = seen.OtherUnits || other, LargestInputTokens = Math.Max(seen.LargestInputTokens, r.Usage.InputTokens) }
                : new LedgerUsageOutlier(r.Provider, r.Model, other, r.Usage.InputTokens);
        }

        return [.. found.Values];
    }
}
