namespace Tollgate.Ledger;

/// <summary>
/// Narrows a ledger scan to the records a repricing must read one by one: those of the listed models or providers, and
/// every estimated or unpriced record. A view that takes the other records' sums from the rollups scans only these.
/// </summary>
public sealed record LedgerScanSubset(IReadOnlyCollection<string> Models, IReadOnlyCollection<string> Providers)
{
    /// <summary>True when the record belongs to the subset.</summary>
    public bool Matches(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Estimated || record.Unpriced || Models.Contains(record.Model) || Providers.Contains(record.Provider);
    }

    /// <summary>
    /// The subset as one SQL condition: <paramref name="flag"/> turns a flag column into a true test in the store's
    /// dialect, <paramref name="parameter"/> adds a text parameter and returns its placeholder.
    /// </summary>
    public string ToSql(Func<string, string> flag, Func<string, string> parameter)
    {
        ArgumentNullException.ThrowIfNull(flag);
        ArgumentNullException.ThrowIfNull(parameter);
        var any = new List<string> { flag("estimated"), flag("unpriced") };
        if (Models.Count > 0)
        {
            any.Add($"model IN ({string.Join(", ", Models.Select(parameter))})");
        }

        if (Providers.Count > 0)
        {
            any.Add($"provider IN ({string.Join(", ", Providers.Select(parameter))})");
        }

        return "(" + string.Join(" OR ", any) + ")";
    }
}
