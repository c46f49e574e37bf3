using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>What a breakdown groups by: a ledger dimension (<c>provider</c>, <c>model</c>, …) or a tag key (<c>tag:feature</c>).</summary>
public readonly record struct AnalyticsDimension(LedgerDimension? Dimension, string? TagKey)
{
    /// <summary>The names accepted by <see cref="TryParse"/>, besides <c>tag:KEY</c>.</summary>
    public static readonly IReadOnlyList<string> Names = LedgerDimensionNames.All;

    public static AnalyticsDimension Of(LedgerDimension dimension) => new(dimension, null);

    public static AnalyticsDimension Tag(string key) => new(null, key);

    /// <summary>Parses <c>provider|model|project|user|tenant|key|api|tag:KEY</c>; on failure <paramref name="error"/> says what to use.</summary>
    public static bool TryParse(string? text, out AnalyticsDimension dimension, out string? error)
    {
        dimension = default;
        error = null;
        var value = (text ?? "").Trim();
        if (value.StartsWith("tag:", StringComparison.OrdinalIgnoreCase))
        {
            var key = value[4..];
            if (!TagSet.IsValidKey(key))
            {
                error = $"'{value}' has no valid tag key: use tag:KEY with a key of 1–{TagSet.MaxKeyLength} letters, digits, '_', '-', '.' or ':' (e.g. tag:feature)";
                return false;
            }

            dimension = Tag(key);
            return true;
        }

        if (!LedgerDimensionNames.TryParse(value, out var d))
        {
            error = $"unknown dimension '{value}': use {string.Join(", ", Names)} or tag:KEY";
            return false;
        }

        dimension = Of(d);
        return true;
    }

    public override string ToString() => TagKey is { } key ? "tag:" + key : Dimension is { } d ? LedgerDimensionNames.Name(d) : "";
}
