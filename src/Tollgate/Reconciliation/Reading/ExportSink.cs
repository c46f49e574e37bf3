namespace Tollgate.Reconciliation.Reading;

/// <summary>
/// Collects what the readers find and refuses a bucket seen twice (overlapping pages, or the same file given twice):
/// summing it twice would double the provider's figures without any sign.
/// </summary>
internal sealed class ExportSink
{
    private readonly Dictionary<(ExportFormat, DateTimeOffset), string> _buckets = [];

    public List<UsageRow> Usage { get; } = [];

    public List<CostRow> Costs { get; } = [];

    public HashSet<DateOnly> UsageDays { get; } = [];

    public HashSet<DateOnly> CostDays { get; } = [];

    /// <summary>Registers a bucket of <paramref name="format"/> starting at <paramref name="start"/>, found at <paramref name="where"/>.</summary>
    public void Bucket(ExportFormat format, DateTimeOffset start, string where)
    {
        if (!_buckets.TryAdd((format, start), where))
        {
            throw new ExportFormatException(
                $"{where}: the bucket starting {start.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is also in {_buckets[(format, start)]} (overlapping pages): give each page once");
        }

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
