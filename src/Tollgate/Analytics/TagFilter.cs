using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>Only records whose tag <see cref="Key"/> has <see cref="Value"/> (<c>--tag feature=search</c>).</summary>
public sealed record TagFilter(string Key, string Value)
{
    /// <summary>Parses <c>KEY=VALUE</c>; null on failure with <paramref name="error"/> saying what to use.</summary>
    public static TagFilter? Parse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            error = $"tag filter '{text}' is not KEY=VALUE (e.g. --tag feature=search)";
            return null;
        }

        var key = text[..eq].Trim();
        var value = text[(eq + 1)..].Trim();
        error = TagSet.Check(key, value);
        return error is null ? new TagFilter(key, value) : null;
    }

    public bool Matches(IReadOnlyDictionary<string, string> tags) => tags.TryGetValue(Key, out var v) && v == Value;

    /// <summary>
    /// The records of <paramref name="filter"/> that carry every tag of <paramref name="tags"/>, in export order: what
    /// exports and call lists with tag filters read.
    /// </summary>
    public static IAsyncEnumerable<UsageRecord> ReadAsync(
        ILedgerStore store, LedgerFilter filter, IReadOnlyList<TagFilter> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(tags);
        return store.ReadAsync(filter, cancellationToken).Where(record => tags.All(t => t.Matches(record.Tags)));
    }
}
