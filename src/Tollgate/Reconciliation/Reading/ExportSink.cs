namespace Tollgate.Reconciliation.Reading;

/// <summary>
/// Collects what the readers find and refuses a result seen twice — the same bucket with the same grouping (model,
/// batch, tier, project, key, line item…) from overlapping pages, the same file given twice or a repeated CSV row:
/// summing it twice would double the provider's figures without any sign. The same bucket split by another grouping
/// (one file per project) is not an overlap.
/// </summary>
internal sealed class ExportSink
{
    private readonly Dictionary<(ExportFormat, DateTimeOffset, string), string> _results = [];

    public List<UsageRow> Usage { get; } = [];

    public List<CostRow> Costs { get; } = [];

    public HashSet<DateOnly> UsageDays { get; } = [];

    public HashSet<DateOnly> CostDays { get; } = [];

    /// <summary>Registers a result of the bucket starting at <paramref name="start"/> with its grouping <paramref name="identity"/>, found at <paramref name="where"/>.</summary>
    public void Result(ExportFormat format, DateTimeOffset start, string identity, string where)
    {
        if (!_results.TryAdd((format, start, identity), where))
        {
            throw new ExportFormatException(
                $"{where}: the same result of the bucket starting {start.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is also in {_results[(format, start, identity)]} (overlapping pages): give each page once");
        }
    }

    /// <summary>Registers a bucket of <paramref name="format"/> starting at <paramref name="start"/> (its day is covered, even without results).</summary>
    public void Bucket(ExportFormat format, DateTimeOffset start)
    {
        var day = JsonFields.UtcDay(start);
        if (format is ExportFormat.OpenAiUsage or ExportFormat.AnthropicUsage)
        {
            UsageDays.Add(day);
        }
        else
        {
            CostDays.Add(day);
        }
    }
}
