using System.Globalization;
using Microsoft.AspNetCore.Http;
using Tollgate.Analytics;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// The query string of the analytics endpoints: <c>by</c>, <c>from</c>/<c>to</c> (a date is a whole day in <c>tz</c>,
/// <c>to</c> included; or an ISO 8601 timestamp), <c>tz</c> (IANA id, default UTC), <c>tenant</c>, <c>project</c>,
/// <c>user</c>, <c>provider</c>, <c>model</c>, <c>key</c>, <c>tag=KEY=VALUE</c> (repeatable); for breakdowns also <c>by</c>,
/// <c>top</c> and <c>compare=previous</c>; for trends <c>bucket</c>, <c>metric</c> and <c>window</c>. A virtual key's own queries are limited to its key.
/// </summary>
internal static class AnalyticsRequest
{
    /// <summary>The breakdown asked for, or what is wrong with the query (for a 400).</summary>
    public static (BreakdownQuery? Query, string? Error, string? Param) ParseBreakdown(IQueryCollection query, string? ownKeyId, string defaultBy = "provider")
    {
        ArgumentNullException.ThrowIfNull(query);
        var (filter, _, filterError, filterParam) = ParseFilter(query, ownKeyId);
        if (filter is null)
        {
            return (null, filterError, filterParam);
        }

        var byText = query["by"].Count > 0 ? query["by"].ToString() : defaultBy;
        if (!AnalyticsDimension.TryParse(byText, out var by, out var byError))
        {
            return (null, "by: " + byError, "by");
        }

        if (ownKeyId is not null && by.Dimension is LedgerDimension.Tenant or LedgerDimension.Project or LedgerDimension.User or LedgerDimension.Key)
        {
            return (null, "by for your own key: provider, model, api or tag:KEY", "by");
        }

        if (ParseTags(query, out var tagError) is not { } tags)
        {
            return (null, tagError, "tag");
        }

        int? top = null;
        if (query["top"].Count > 0)
        {
            if (!int.TryParse(query["top"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
            {
                return (null, "top must be a positive whole number, e.g. top=5", "top");
            }

            top = n;
        }

        var compare = query["compare"].ToString();
        if (compare.Length > 0 && compare != "previous")
        {
            return (null, "compare: the only value is 'previous' (the period of the same length before from)", "compare");
        }

        if (compare.Length > 0 && (filter.From is null || filter.To is null))
        {
            return (null, "compare=previous needs both from and to", "compare");
        }

        return (new BreakdownQuery { Filter = filter, Tags = tags, By = by, Top = top, ComparePrevious = compare.Length > 0 }, null, null);
    }

    /// <summary>The trend asked for (<c>bucket=hour|day|week|month</c>, <c>metric=cost|requests|tokens</c>, <c>window=N</c>), or what is wrong.</summary>
    public static (TrendQuery? Query, string? Error, string? Param) ParseTrend(IQueryCollection query, string? ownKeyId)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (filter, zone, filterError, filterParam) = ParseFilter(query, ownKeyId);
        if (filter is null)
        {
            return (null, filterError, filterParam);
        }

        var bucketText = query["bucket"].Count > 0 ? query["bucket"].ToString() : "day";
        if (bucketText is not ("hour" or "day" or "week" or "month"))
        {
            return (null, $"bucket '{bucketText}' is unknown: use hour, day, week or month", "bucket");
        }

        var metricText = query["metric"].Count > 0 ? query["metric"].ToString() : "cost";
        if (metricText is not ("cost" or "requests" or "tokens"))
        {
            return (null, $"metric '{metricText}' is unknown: use cost, requests or tokens", "metric");
        }

        var window = 7;
        if (query["window"].Count > 0 && (!int.TryParse(query["window"], NumberStyles.None, CultureInfo.InvariantCulture, out window) || window <= 0))
        {
            return (null, "window must be a positive whole number of buckets, e.g. window=7", "window");
        }

        if (ParseTags(query, out var tagError) is not { } tags)
        {
            return (null, tagError, "tag");
        }

        return (new TrendQuery
        {
            Filter = filter,
            Tags = tags,
            TimeZone = zone!,
            Bucket = Enum.Parse<TimeBucket>(bucketText, ignoreCase: true),
            Metric = Enum.Parse<TrendMetric>(metricText, ignoreCase: true),
            MovingAverageWindow = window,
        }, null, null);
    }

    /// <summary>The patterns asked for, or what is wrong.</summary>
    public static (PatternQuery? Query, string? Error, string? Param) ParsePatterns(IQueryCollection query, string? ownKeyId)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (filter, zone, error, param) = ParseFilter(query, ownKeyId);
        if (filter is null)
        {
            return (null, error, param);
        }

        return ParseTags(query, out var tagError) is { } tags ? (new PatternQuery { Filter = filter, Tags = tags, TimeZone = zone! }, null, null) : (null, tagError, "tag");
    }

    /// <summary>The filter and its <c>tag=KEY=VALUE</c> filters, for views that list records (calls, exports).</summary>
    public static (LedgerFilter? Filter, IReadOnlyList<TagFilter> Tags, string? Error, string? Param) ParseRecordFilter(IQueryCollection query, string? ownKeyId)
    {
        var (filter, _, error, param) = ParseFilter(query, ownKeyId);
        if (filter is null)
        {
            return (null, [], error, param);
        }

        return ParseTags(query, out var tagError) is { } tags ? (filter, tags, null, null) : (null, [], tagError, "tag");
    }

    /// <summary>The <c>tag=KEY=VALUE</c> filters (repeatable), or null with what is wrong.</summary>
    private static List<TagFilter>? ParseTags(IQueryCollection query, out string? error)
    {
        var tags = new List<TagFilter>();
        foreach (var text in query["tag"])
        {
            if (TagFilter.Parse(text ?? "", out var tagError) is not { } tag)
            {
                error = "tag: " + tagError;
                return null;
            }

            tags.Add(tag);
        }

        error = null;
        return tags;
    }

    /// <summary>The dimension filters of a query string: <c>tenant</c>, <c>project</c>, <c>user</c>, <c>provider</c>, <c>model</c>, <c>key</c> (empty means any).</summary>
    internal static LedgerFilter DimensionFilter(IQueryCollection query) => new()
    {
        Tenant = NullIfEmpty(query["tenant"]),
        Project = NullIfEmpty(query["project"]),
        User = NullIfEmpty(query["user"]),
        Provider = NullIfEmpty(query["provider"]),
        Model = NullIfEmpty(query["model"]),
        KeyId = NullIfEmpty(query["key"]),
    };

    internal static (LedgerFilter? Filter, TimeZoneInfo? Zone, string? Error, string? Param) ParseFilter(IQueryCollection query, string? ownKeyId)
    {
        var zoneId = query["tz"].ToString();
        TimeZoneInfo zone;
        try
        {
            zone = string.IsNullOrEmpty(zoneId) || zoneId.Equals("UTC", StringComparison.OrdinalIgnoreCase) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }
        catch (TimeZoneNotFoundException)
        {
            return (null, null, $"tz '{zoneId}' is not a known time zone: use an IANA id such as Europe/Berlin or UTC", "tz");
        }

        var (from, fromError) = Bound(query["from"], "from", zone, isEnd: false);
        var (to, toError) = Bound(query["to"], "to", zone, isEnd: true);
        if ((fromError ?? toError) is { } boundError)
        {
            return (null, null, boundError, fromError is null ? "to" : "from");
        }

        if (from is { } f && to is { } t && t <= f)
        {
            return (null, null, "from is not before to: swap them", "from");
        }

        var filter = DimensionFilter(query) with { From = from, To = to };
        if (ownKeyId is not null)
        {
            // A key holder sees only its own key: other scopes are not theirs to filter by.
            filter = filter with { KeyId = ownKeyId, Tenant = null, Project = null, User = null };
        }

        return (filter, zone, null, null);
    }

    private static (DateTimeOffset? Value, string? Error) Bound(string? value, string name, TimeZoneInfo zone, bool isEnd)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return (null, null);
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var local = (isEnd ? date.AddDays(1) : date).ToDateTime(TimeOnly.MinValue);
            while (zone.IsInvalidTime(local))
            {
                local = local.AddMinutes(15);
            }

            return (new DateTimeOffset(local, zone.GetUtcOffset(local)), null);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var timestamp)
            ? (timestamp, null)
            : (null, $"{name} '{value}' is not a date (YYYY-MM-DD) or an ISO 8601 timestamp");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
