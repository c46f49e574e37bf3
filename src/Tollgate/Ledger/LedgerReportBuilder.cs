using System.Globalization;

namespace Tollgate.Ledger;

/// <summary>
/// Shared by every store: turns hourly rollup rows into a report, so buckets in a time zone, ordering and
/// top-N mean exactly the same everywhere. Stores only have to sum by (hour, dimension) in their own engine.
/// </summary>
internal static class LedgerReportBuilder
{
    public const long SecondsPerHour = 3600;

    /// <summary>Start of the UTC hour containing <paramref name="timestamp"/>, in unix seconds.</summary>
    public static long HourOf(DateTimeOffset timestamp) => Math.DivRem(timestamp.ToUnixTimeSeconds(), SecondsPerHour) switch
    {
        var (q, r) when r < 0 => (q - 1) * SecondsPerHour,
        var (q, _) => q * SecondsPerHour,
    };

    public const long SecondsPerDay = 86400;

    public const long SecondsPerQuarter = 900;

    /// <summary>Start of the UTC day containing the instant <paramref name="unixSeconds"/>, in unix seconds.</summary>
    public static long DayOf(long unixSeconds) => Floor(unixSeconds, SecondsPerDay);

    /// <summary>Start of the UTC hour containing the instant <paramref name="unixSeconds"/>, in unix seconds.</summary>
    public static long HourStartOf(long unixSeconds) => Floor(unixSeconds, SecondsPerHour);

    /// <summary>Start of the UTC quarter hour containing <paramref name="timestamp"/>, in unix seconds.</summary>
    public static long QuarterOf(DateTimeOffset timestamp) => Floor(timestamp.ToUnixTimeSeconds(), SecondsPerQuarter);

    /// <summary>The largest multiple of <paramref name="step"/> not after <paramref name="value"/> (also for negative values).</summary>
    public static long Floor(long value, long step) => value - (((value % step) + step) % step);

    /// <summary>The smallest multiple of <paramref name="step"/> not before <paramref name="value"/>.</summary>
    public static long Ceiling(long value, long step) => -Floor(-value, step);

    /// <summary>True when the (hour × provider, model, api flavour) rollup can answer the query.</summary>
    public static bool CanUseModelRollup(LedgerQuery query)
    {
        var f = query.Filter;
        return f.Tenant is null && f.Project is null && f.User is null && f.KeyId is null && f.SessionId is null &&
               query.GroupBy is null or LedgerDimension.Provider or LedgerDimension.Model or LedgerDimension.ApiFlavor;
    }

    /// <summary>
    /// True when the tag rollups can answer a report over <paramref name="filter"/> grouped by a tag or restricted to one
    /// tag: they hold the narrow dimensions (provider, model, api flavour, tenant), so no project, user, key or session filter.
    /// </summary>
    public static bool TagRollupsServe(LedgerFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return filter.Project is null && filter.User is null && filter.KeyId is null && filter.SessionId is null;
    }

    /// <summary>True when a report restricted to one tag can be grouped by <paramref name="dimension"/> from the tag rollups.</summary>
    public static bool TagRollupsGroupBy(LedgerDimension? dimension) =>
        dimension is null or LedgerDimension.Provider or LedgerDimension.Model or LedgerDimension.ApiFlavor or LedgerDimension.Tenant;

    /// <summary>True when the query is answered from the tag rollups (grouped by a tag, or restricted to one).</summary>
    public static bool UsesTagRollups(LedgerQuery query) => query.GroupByTag is not null || query.Tag is not null;

    /// <summary>True when the narrow (quarter hour or day × provider, model, api flavour, tenant) rollups can answer the query.</summary>
    public static bool CanUseNarrowRollup(LedgerQuery query)
    {
        var f = query.Filter;
        return f.Project is null && f.User is null && f.KeyId is null && f.SessionId is null &&
               query.GroupBy is null or LedgerDimension.Provider or LedgerDimension.Model or LedgerDimension.ApiFlavor or LedgerDimension.Tenant;
    }

    public static string? KeyOf(UsageRecord record, LedgerDimension? dimension) => dimension switch
    {
        null => null,
        LedgerDimension.Provider => record.Provider,
        LedgerDimension.Model => record.Model,
        LedgerDimension.Project => record.Project,
        LedgerDimension.User => record.User,
        LedgerDimension.Tenant => record.Tenant,
        LedgerDimension.Key => record.KeyId,
        LedgerDimension.ApiFlavor => record.ApiFlavor,
        _ => throw new ArgumentOutOfRangeException(nameof(dimension)),
    };

    public static void Validate(LedgerQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(query.Filter);
        ArgumentNullException.ThrowIfNull(query.TimeZone);
        if (query.Top is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), "Top must be positive");
        }

        if (query.GroupByTag is not null && (query.GroupBy is not null || query.Tag is not null || !TagRollupsServe(query.Filter)))
        {
            throw new ArgumentException("GroupByTag goes without GroupBy, Tag, a project, user or key filter, or a session", nameof(query));
        }

        if (query.Tag is { } tag && (tag.Key is null || tag.Value is null || !TagRollupsGroupBy(query.GroupBy) || !TagRollupsServe(query.Filter)))
        {
            throw new ArgumentException("Tag goes with GroupBy provider, model, api flavour or tenant only, and without a project, user or key filter or a session", nameof(query));
        }
    }

    public static LedgerReport Build(LedgerQuery query, IEnumerable<RollupRow> rows)
    {
        var total = default(LedgerMetrics);
        var groups = new Dictionary<(string? Key, long Bucket), LedgerMetrics>();
        var grouped = query.GroupBy is not null || query.GroupByTag is not null || query.Bucket is not null;
        foreach (var row in rows)
        {
            total += row.Metrics;
            if (!grouped)
            {
                continue;
            }

            var key = (query.GroupBy is null && query.GroupByTag is null) || string.IsNullOrEmpty(row.Key) ? null : row.Key;
            var bucket = query.Bucket is { } b ? BucketStart(row.Start, b, query.TimeZone, query.WeekStart) : 0;
            groups[(key, bucket)] = groups.TryGetValue((key, bucket), out var sum) ? sum + row.Metrics : row.Metrics;
        }

        // A plan with shifted days subtracts what it moved: a group it moved whole out of a bucket sums to nothing there.
        IEnumerable<KeyValuePair<(string? Key, long Bucket), LedgerMetrics>> selected = groups.Where(g => g.Value.Requests != 0);
        if (query.Top is { } top)
        {
            if (query.GroupBy is not null && query.Bucket is not null)
            {
                var keep = selected.GroupBy(g => g.Key.Key)
                    .Select(g => (g.Key, Cost: g.Sum(x => x.Value.CostNanos)))
                    .OrderByDescending(k => k.Cost).ThenBy(k => k.Key, StringComparer.Ordinal)
                    .Take(top).Select(k => k.Key).ToHashSet();
                selected = selected.Where(g => keep.Contains(g.Key.Key));
            }
            else
            {
                selected = selected.OrderByDescending(g => g.Value.CostNanos).ThenBy(g => g.Key.Key, StringComparer.Ordinal)
                    .ThenBy(g => g.Key.Bucket).Take(top);
            }
        }

        var ordered = query.Bucket is not null
            ? selected.OrderBy(g => g.Key.Bucket).ThenBy(g => g.Key.Key, StringComparer.Ordinal)
            : selected.OrderByDescending(g => g.Value.CostNanos).ThenBy(g => g.Key.Key, StringComparer.Ordinal);
        var list = ordered.Select(g => ToGroup(query, g.Key.Key, g.Key.Bucket, g.Value)).ToList();
        return new LedgerReport(total, list);
    }

    private static LedgerGroup ToGroup(LedgerQuery query, string? key, long bucketUtc, LedgerMetrics metrics)
    {
        if (query.Bucket is not { } bucket)
        {
            return new LedgerGroup { Key = key, Metrics = metrics };
        }

        var utc = DateTimeOffset.FromUnixTimeSeconds(bucketUtc);
        var local = TimeZoneInfo.ConvertTime(utc, query.TimeZone);
        return new LedgerGroup { Key = key, BucketStart = local, BucketLabel = Label(local, bucket, query.WeekStart), Metrics = metrics };
    }

    /// <summary>The label of the bucket starting at <paramref name="local"/> (a local bucket start).</summary>
    public static string Label(DateTimeOffset local, TimeBucket bucket, DayOfWeek weekStart) => bucket switch
    {
        TimeBucket.Hour => local.ToString("yyyy-MM-dd'T'HH:mmzzz", CultureInfo.InvariantCulture),
        TimeBucket.Day => local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        // ISO 8601 weeks start on Monday; a week starting on another day is named by its first day.
        TimeBucket.Week when weekStart == DayOfWeek.Monday =>
            string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(local.DateTime):D4}-W{ISOWeek.GetWeekOfYear(local.DateTime):D2}"),
        TimeBucket.Week => local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "/week",
        _ => local.ToString("yyyy-MM", CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The start (unix seconds) of the bucket in <paramref name="zone"/> that contains the instant <paramref name="unixSeconds"/>.
    /// Local hours are found from the instant and its offset (so the repeated hour of a DST change is two buckets);
    /// days, weeks and months from the local calendar date.
    /// </summary>
    public static long BucketStart(long unixSeconds, TimeBucket bucket, TimeZoneInfo zone, DayOfWeek weekStart = DayOfWeek.Monday)
    {
        var instant = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        var offset = (long)zone.GetUtcOffset(instant).TotalSeconds;
        if (bucket == TimeBucket.Hour)
        {
            return unixSeconds - (((unixSeconds + offset) % SecondsPerHour) + SecondsPerHour) % SecondsPerHour;
        }

        var local = instant.AddSeconds(offset).UtcDateTime;
        var start = bucket switch
        {
            TimeBucket.Day => local.Date,
            TimeBucket.Week => local.Date.AddDays(-(((int)local.DayOfWeek - (int)weekStart + 7) % 7)),
            _ => new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified),
        };
        return LocalToUtc(DateTime.SpecifyKind(start, DateTimeKind.Unspecified), zone);
    }

    private static long LocalToUtc(DateTime local, TimeZoneInfo zone)
    {
        // A local midnight can fall into a DST gap; the bucket then starts at the first valid instant after it.
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUnixTimeSeconds();
    }
}
