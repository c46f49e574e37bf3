namespace Tollgate.Ledger;

/// <summary>
/// Narrows a ledger scan to the records a repricing must read one by one: those of the listed models or providers, and
/// (unless <see cref="Flagged"/> is false) every estimated or unpriced record. A view that takes the other records' sums
/// from the rollups scans only these. Of those, only the records carrying every tag of <see cref="Tags"/>.
/// </summary>
public sealed record LedgerScanSubset(IReadOnlyCollection<string> Models, IReadOnlyCollection<string> Providers)
{
    /// <summary>
    /// True (the default): estimated and unpriced records are read whatever their model. False: they are left out, even of
    /// the listed models (a second pass over records whose flagged ones the first pass read).
    /// </summary>
    public bool Flagged { get; init; } = true;

    /// <summary>True: every model is listed (with <see cref="Flagged"/> false, every record neither estimated nor unpriced).</summary>
    public bool EveryModel { get; init; }

    /// <summary>Every record that is neither estimated nor unpriced: a second pass after one that read only those.</summary>
    public static LedgerScanSubset Unflagged { get; } = new([], []) { Flagged = false, EveryModel = true };

    /// <summary>Every record.</summary>
    public static LedgerScanSubset Every { get; } = new([], []) { EveryModel = true };

    /// <summary>Tags a record must all carry (none: no condition); a store tests them in its query, before decoding a record.</summary>
    public IReadOnlyList<LedgerTag> Tags { get; init; } = [];

    /// <summary>True when the record belongs to the subset.</summary>
    public bool Matches(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var listed = EveryModel || Models.Contains(record.Model) || Providers.Contains(record.Provider);
        var flagged = record.Estimated || record.Unpriced;
        return (Flagged ? flagged || listed : !flagged && listed) && Tags.All(t => record.Tags.TryGetValue(t.Key, out var v) && v == t.Value);
    }

    /// <summary>
    /// The subset as one SQL condition: <paramref name="flag"/> turns a flag column into a true test in the store's
    /// dialect, <paramref name="parameter"/> adds a text parameter and returns its placeholder, <paramref name="raw"/>
    /// reads a record's tags in the store's dialect. A tag whose value is plain ASCII (letters, digits, <c>-_.:/</c>) is
    /// first looked for as the quoted value in the stored JSON text, which a JSON writer never escapes (a test far
    /// cheaper than parsing every record's tags); the tag's parsed value then decides.
    /// </summary>
    internal string ToSql(Func<string, string> flag, Func<string, string> parameter, RawRecordSql raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var tags = new System.Text.StringBuilder();
        foreach (var (key, value) in Tags)
        {
            if (value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/'))
            {
                tags.Append(" AND ").Append(raw.TagsContain(parameter('"' + value + '"')));
            }

            tags.Append(" AND ").Append(raw.TagValue(parameter(key))).Append(" = ").Append(parameter(value));
        }

        return (EveryModel && Flagged ? "1 = 1" : ToSql(flag, parameter)) + tags;
    }

    private string ToSql(Func<string, string> flag, Func<string, string> parameter)
    {
        ArgumentNullException.ThrowIfNull(flag);
        ArgumentNullException.ThrowIfNull(parameter);
        var listed = new List<string>();
        if (EveryModel)
        {
            listed.Add("1 = 1");
        }

        if (Models.Count > 0)
        {
            listed.Add($"model IN ({string.Join(", ", Models.Select(parameter))})");
        }

        if (Providers.Count > 0)
        {
            listed.Add($"provider IN ({string.Join(", ", Providers.Select(parameter))})");
        }

        if (Flagged && listed.Count == 0)
        {
            // Only the flagged records: through the stores' partial index on the irregular records.
            return $"{LedgerUsageOutlier.IrregularSql(flag)} AND ({flag("estimated")} OR {flag("unpriced")})";
        }

        if (Flagged)
        {
            return "(" + string.Join(" OR ", [flag("estimated"), flag("unpriced"), .. listed]) + ")";
        }

        var anyListed = listed.Count == 0 ? "1 = 0" : string.Join(" OR ", listed);
        return $"(NOT ({flag("estimated")}) AND NOT ({flag("unpriced")}) AND ({anyListed}))";
    }
}
