using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Ledger;

/// <summary>
/// How the relational stores lay a record out: the five main usage counts as columns, the other reported units
/// and the tags as small JSON texts, the timestamp as unix microseconds, money as nano-units.
/// </summary>
internal static class LedgerColumns
{
    public const string MetricColumns =
        "requests, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, " +
        "cost_nanos, input_cost_nanos, output_cost_nanos, errors, estimated, unpriced, latency_ms_sum";

    public static readonly string[] Metrics = MetricColumns.Split(", ");

    public const long UnixEpochTicks = 621355968000000000;

    public static long ToUnixMicros(DateTimeOffset timestamp) => (timestamp.UtcTicks - UnixEpochTicks) / 10;

    /// <summary>A filter's inclusive lower bound in unix microseconds (records keep whole microseconds).</summary>
    public static long FromBoundMicros(DateTimeOffset from) => ToUnixMicros(UsageRecord.Normalize(from));

    /// <summary>A filter's exclusive upper bound in unix microseconds: anything strictly before <paramref name="to"/>.</summary>
    public static long ToBoundMicros(DateTimeOffset to) => -LedgerReportBuilder.Floor(-(to.UtcTicks - UnixEpochTicks), 10) / 10;

    public static DateTimeOffset FromUnixMicros(long micros) => new(UnixEpochTicks + (micros * 10), TimeSpan.Zero);

    public static string? EncodeTags(IReadOnlyDictionary<string, string> tags) =>
        tags.Count == 0 ? null : JsonSerializer.Serialize(tags, LedgerJsonContext.Default.IReadOnlyDictionaryStringString);

    public static IReadOnlyDictionary<string, string> DecodeTags(string? json) =>
        string.IsNullOrEmpty(json)
            ? new Dictionary<string, string>(0)
            : JsonSerializer.Deserialize(json, LedgerJsonContext.Default.DictionaryStringString) ?? new Dictionary<string, string>(0);

    /// <summary>Reported units other than the five with their own columns, as <c>{"unit_key":count}</c>; null when none.</summary>
    public static string? EncodeExtraUsage(Usage usage)
    {
        // Almost every record reports only the main units: answer from the bit mask without scanning 59 units.
        if ((usage.ReportedMask & ~MainUnitsMask) == 0)
        {
            return null;
        }

        Dictionary<string, long>? extra = null;
        for (var i = 0; i < UsageUnitInfo.Count; i++)
        {
            var unit = (UsageUnit)i;
            if (IsMain(unit) || (!usage.IsReported(unit) && usage[unit] == 0))
            {
                continue;
            }

            (extra ??= [])[UsageUnitInfo.Of(unit).Key] = usage[unit];
        }

        return extra is null ? null : JsonSerializer.Serialize(extra, LedgerJsonContext.Default.DictionaryStringInt64);
    }

    public static Usage DecodeUsage(long input, long cacheRead, long cacheWrite, long output, long reasoning, string? extraJson)
    {
        var usage = new Usage
        {
            InputTokens = input,
            CacheReadTokens = cacheRead,
            CacheWriteTokens = cacheWrite,
            OutputTokens = output,
            ReasoningTokens = reasoning,
        };
        if (!string.IsNullOrEmpty(extraJson))
        {
            foreach (var (key, count) in JsonSerializer.Deserialize(extraJson, LedgerJsonContext.Default.DictionaryStringInt64) ?? [])
            {
                if (UsageUnitInfo.TryFromKey(key, out var unit))
                {
                    usage.Set(unit, count);
                }
            }
        }

        return usage;
    }

    private const ulong MainUnitsMask =
        (1UL << (int)UsageUnit.InputTokens) | (1UL << (int)UsageUnit.CacheReadTokens) | (1UL << (int)UsageUnit.CacheWriteTokens) |
        (1UL << (int)UsageUnit.OutputTokens) | (1UL << (int)UsageUnit.OutputReasoningTokens);

    public static bool IsMain(UsageUnit unit) =>
        unit is UsageUnit.InputTokens or UsageUnit.CacheReadTokens or UsageUnit.CacheWriteTokens or UsageUnit.OutputTokens or UsageUnit.OutputReasoningTokens;

    public static string DimensionColumn(LedgerDimension dimension) => dimension switch
    {
        LedgerDimension.Provider => "provider",
        LedgerDimension.Model => "model",
        LedgerDimension.ApiFlavor => "api_flavor",
        LedgerDimension.Tenant => "tenant",
        LedgerDimension.Project => "project",
        LedgerDimension.User => "user_id",
        LedgerDimension.Key => "key_id",
        _ => throw new ArgumentOutOfRangeException(nameof(dimension)),
    };

    /// <summary>Filter columns and values (only the set ones) shared by rollup and raw queries.</summary>
    public static IEnumerable<(string Column, string Value)> DimensionFilters(LedgerFilter f)
    {
        if (f.Provider is not null) yield return ("provider", f.Provider);
        if (f.Model is not null) yield return ("model", f.Model);
        if (f.ApiFlavor is not null) yield return ("api_flavor", f.ApiFlavor);
        if (f.Tenant is not null) yield return ("tenant", f.Tenant);
        if (f.Project is not null) yield return ("project", f.Project);
        if (f.User is not null) yield return ("user_id", f.User);
        if (f.KeyId is not null) yield return ("key_id", f.KeyId);
    }

    public static LedgerMetrics ReadMetrics(System.Data.Common.DbDataReader reader, int first) => new(
        reader.GetInt64(first), reader.GetInt64(first + 1), reader.GetInt64(first + 2), reader.GetInt64(first + 3),
        reader.GetInt64(first + 4), reader.GetInt64(first + 5), reader.GetInt64(first + 6), reader.GetInt64(first + 7),
        reader.GetInt64(first + 8), reader.GetInt64(first + 9), reader.GetInt64(first + 10), reader.GetInt64(first + 11),
        reader.GetInt64(first + 12));
}
