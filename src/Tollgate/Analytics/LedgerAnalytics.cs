using System.Runtime.InteropServices;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// Analytics over a ledger, usable in process (the CLI and the gateway's admin API call the same methods).
/// Breakdowns, trends, patterns and rollup comparisons read the rollups through <see cref="ILedgerStore.QueryAsync"/>:
/// by a dimension, by a tag (with provider, model, api flavour and tenant filters) and with one tag filter (grouped by
/// one of those dimensions or by time) alike. What the tag rollups cannot answer — several tag filters, a tag filter
/// grouped by another tag, project, user or key, or a project, user or key filter with tags — reads the raw records of
/// the range (<see cref="ILedgerStore.ScanAsync(LedgerFilter, CancellationToken)"/>). Either way the rows add up
/// exactly to the total, which equals the export for the same filter.
/// </summary>
public sealed class LedgerAnalytics
{
    private readonly ILedgerStore _store;

    public LedgerAnalytics(ILedgerStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    public async ValueTask<AnalyticsOutcome<Breakdown>> BreakdownAsync(BreakdownQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (Check(query) is { } invalid)
        {
            return AnalyticsOutcome<Breakdown>.Fail(invalid);
        }

        if (query.ComparePrevious && (query.Filter.From is null || query.Filter.To is null))
        {
            return AnalyticsOutcome<Breakdown>.Fail("comparing with the previous period needs both from and to");
        }

        var (groups, error) = await GroupsAsync(query, query.Filter, cancellationToken);
        if (error is not null)
        {
            return AnalyticsOutcome<Breakdown>.Fail(error);
        }

        Dictionary<string, LedgerMetrics>? previous = null;
        if (query.ComparePrevious)
        {
            var (from, to) = (query.Filter.From!.Value, query.Filter.To!.Value);
            // A tag key unseen in the previous period is no error there: its records are all "(none)".
            (previous, _) = await GroupsAsync(query, query.Filter with { From = from - (to - from), To = from }, cancellationToken);
            foreach (var key in previous.Keys)
            {
                groups.TryAdd(key, default);
            }
        }

        var ordered = groups.OrderByDescending(g => g.Value.CostNanos).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new BreakdownRow(g.Key, g.Value, previous?.GetValueOrDefault(g.Key))).ToList();
        if (query.Top is { } top && ordered.Count > top)
        {
            var rest = ordered.Skip(top).ToList();
            var other = rest.Aggregate(default(LedgerMetrics), (sum, r) => sum + r.Metrics);
            LedgerMetrics? otherBefore = previous is null ? null : rest.Aggregate(default(LedgerMetrics), (sum, r) => sum + r.Previous!.Value);
            ordered = [.. ordered.Take(top), new BreakdownRow(Breakdown.OtherKey, other, otherBefore)];
        }

        var total = groups.Values.Aggregate(default(LedgerMetrics), (sum, m) => sum + m);
        LedgerMetrics? previousTotal = previous?.Values.Aggregate(default(LedgerMetrics), (sum, m) => sum + m);
        return AnalyticsOutcome<Breakdown>.Ok(new Breakdown(total, ordered) { PreviousTotal = previousTotal });
    }

    private async ValueTask<(Dictionary<string, LedgerMetrics> Groups, string? Error)> GroupsAsync(BreakdownQuery query, LedgerFilter filter, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<string, LedgerMetrics>(StringComparer.Ordinal);
        if (query.By.TagKey is null && query.Tags.Count == 0)
        {
            var report = await _store.QueryAsync(new LedgerQuery { Filter = filter, GroupBy = query.By.Dimension }, cancellationToken);
            foreach (var g in report.Groups)
            {
                Add(groups, g.Key ?? CostReport.NoneKey, g.Metrics);
            }

            return (groups, null);
        }

        if (OneTag(query.Tags, filter) is { } only && query.By.TagKey is null && LedgerReportBuilder.TagRollupsGroupBy(query.By.Dimension))
        {
            // One tag filter, by provider, model, api flavour or tenant: the tag rollups hold the tag's sums per those.
            if (await LedgerRetention.RawRangeProblemAsync(_store, filter, cancellationToken) is { } purged)
            {
                return (groups, purged);
            }

            var report = await _store.QueryAsync(new LedgerQuery { Filter = filter, Tag = only, GroupBy = query.By.Dimension }, cancellationToken);
            foreach (var g in report.Groups)
            {
                Add(groups, g.Key ?? CostReport.NoneKey, g.Metrics);
            }

            return (groups, null);
        }

        if (query.By.TagKey is { } tagKey && query.Tags.Count == 0 && LedgerReportBuilder.TagRollupsServe(filter))
        {
            // By a tag (with provider, model, api flavour or tenant filters): the tag rollups hold each value's sums;
            // records without the tag are the rest of the total.
            if (await LedgerRetention.RawRangeProblemAsync(_store, filter, cancellationToken) is { } purged)
            {
                return (groups, purged);
            }

            var tagged = await _store.QueryAsync(new LedgerQuery { Filter = filter, GroupByTag = tagKey }, cancellationToken);
            if (tagged.Groups.Count > 0)
            {
                foreach (var g in tagged.Groups)
                {
                    Add(groups, g.Key ?? CostReport.NoneKey, g.Metrics);
                }

                var untagged = (await _store.QueryAsync(new LedgerQuery { Filter = filter }, cancellationToken)).Total - tagged.Total;
                if (untagged.Requests != 0)
                {
                    Add(groups, CostReport.NoneKey, untagged);
                }

                return (groups, null);
            }

            // No record of the range carries the key (an empty range is no error): the tag rollups say which keys there are.
            if ((await _store.QueryAsync(new LedgerQuery { Filter = filter }, cancellationToken)).Total.Requests == 0)
            {
                return (groups, null);
            }

            var keys = (await _store.TagKeysAsync(filter, cancellationToken)).Where(k => k != tagKey).Order(StringComparer.Ordinal).Take(50).ToList();
            return (groups, UnknownTagKey(tagKey, keys));
        }

        var (parts, error) = await FoldRecordsAsync(query with { Filter = filter }, () => new Dictionary<string, LedgerMetrics>(StringComparer.Ordinal),
            (part, key, record) => Add(part, key, LedgerMetrics.Of(record)), cancellationToken);
        foreach (var (key, metrics) in parts.SelectMany(p => p))
        {
            Add(groups, key, metrics);
        }

        return (groups, error);
    }

    /// <summary>The most buckets a trend may have (e.g. about a year of hours).</summary>
    public const int MaxTrendPoints = 10_000;

    public async ValueTask<AnalyticsOutcome<Trend>> TrendAsync(TrendQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Filter.From > query.Filter.To)
        {
            return AnalyticsOutcome<Trend>.Fail("from is after to: swap them");
        }

        if (query.MovingAverageWindow <= 0)
        {
            return AnalyticsOutcome<Trend>.Fail("the moving-average window must be a positive number of buckets");
        }

        var (byStart, total, error) = await BucketsAsync(query.Filter, query.Tags, query.Bucket, query.TimeZone, query.WeekStart, cancellationToken);
        if (error is not null)
        {
            return AnalyticsOutcome<Trend>.Fail(error);
        }

        long? first = query.Filter.From is { } f ? Start(f.ToUnixTimeSeconds()) : byStart.Count > 0 ? byStart.Keys.Min() : null;
        long? last = query.Filter.To is { } t ? Start(LedgerColumns.ToBoundMicros(t) / 1_000_000 - (LedgerColumns.ToBoundMicros(t) % 1_000_000 == 0 ? 1 : 0))
            : byStart.Count > 0 ? byStart.Keys.Max() : null;
        var points = new List<TrendPoint>();
        var values = new List<decimal>();
        if (first is { } from && last is { } to)
        {
            for (var start = from; start <= to; start = Next(start))
            {
                if (points.Count == MaxTrendPoints)
                {
                    return AnalyticsOutcome<Trend>.Fail($"the range has more than {MaxTrendPoints} {query.Bucket.ToString().ToLowerInvariant()}s: use a coarser bucket or a shorter range");
                }

                var metrics = byStart.GetValueOrDefault(start);
                var value = query.Metric switch
                {
                    TrendMetric.Requests => metrics.Requests,
                    TrendMetric.Tokens => metrics.InputTokens + metrics.OutputTokens,
                    _ => metrics.Cost,
                };
                decimal? previous = values.Count > 0 ? values[^1] : null;
                values.Add(value);
                var window = query.MovingAverageWindow;
                decimal? average = values.Count >= window ? Math.Round(values.Skip(values.Count - window).Sum() / window, 9, MidpointRounding.ToEven) : null;
                var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(start), query.TimeZone);
                points.Add(new TrendPoint(
                    LedgerReportBuilder.Label(local, query.Bucket, query.WeekStart), local, metrics, value,
                    value - previous, previous is { } p && p != 0 ? Math.Round((value - p) / p * 100, 2, MidpointRounding.ToEven) : null, average));
            }
        }

        var (z, pValue, significant) = MannKendall.Test(values);
        var slope = Math.Round(MannKendall.SenSlope(values), 9, MidpointRounding.ToEven);
        var direction = !significant || slope == 0 ? TrendDirection.Flat : slope > 0 ? TrendDirection.Up : TrendDirection.Down;
        return AnalyticsOutcome<Trend>.Ok(new Trend(points, total, direction, slope, z, pValue, significant));

        long Start(long seconds) => LedgerReportBuilder.BucketStart(seconds, query.Bucket, query.TimeZone, query.WeekStart);

        // One and a half nominal buckets ahead lies inside the next bucket whatever DST does to this one.
        long Next(long start) => Start(start + query.Bucket switch
        {
            TimeBucket.Hour => 5400,
            TimeBucket.Day => 36 * 3600,
            TimeBucket.Week => 252 * 3600,
            _ => 45 * 86400,
        });
    }

    public async ValueTask<AnalyticsOutcome<UsagePatterns>> PatternsAsync(PatternQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Filter.From > query.Filter.To)
        {
            return AnalyticsOutcome<UsagePatterns>.Fail("from is after to: swap them");
        }

        var (hours, total, error) = await BucketsAsync(query.Filter, query.Tags, TimeBucket.Hour, query.TimeZone, DayOfWeek.Monday, cancellationToken);
        if (error is not null)
        {
            return AnalyticsOutcome<UsagePatterns>.Fail(error);
        }

        var cells = new LedgerMetrics[7, 24];
        foreach (var (start, metrics) in hours)
        {
            var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(start), query.TimeZone);
            cells[(int)local.DayOfWeek, local.Hour] += metrics;
        }

        DayOfWeek[] week = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];
        var list = week.SelectMany(d => Enumerable.Range(0, 24).Select(h => new PatternCell(d, h, cells[(int)d, h]))).ToList();
        var byHour = Enumerable.Range(0, 24).Select(h => week.Aggregate(default(LedgerMetrics), (s, d) => s + cells[(int)d, h])).ToList();
        var byDay = week.Select(d => (d, Enumerable.Range(0, 24).Aggregate(default(LedgerMetrics), (s, h) => s + cells[(int)d, h]))).ToList();
        var weekend = byDay.Where(x => x.d is DayOfWeek.Saturday or DayOfWeek.Sunday).Aggregate(default(LedgerMetrics), (s, x) => s + x.Item2);
        var weekdays = byDay.Where(x => x.d is not (DayOfWeek.Saturday or DayOfWeek.Sunday)).Aggregate(default(LedgerMetrics), (s, x) => s + x.Item2);
        var peaks = Enumerable.Range(0, 24).Where(h => byHour[h].Requests > 0)
            .OrderByDescending(h => byHour[h].CostNanos).ThenByDescending(h => byHour[h].Requests).ThenBy(h => h)
            .Take(Math.Max(0, query.Peaks)).ToList();
        return AnalyticsOutcome<UsagePatterns>.Ok(new UsagePatterns(total, list, byHour, byDay, weekdays, weekend, peaks));
    }

    /// <summary>
    /// Metrics per time bucket (keyed by the bucket's start, unix seconds) and their total: from the rollups (the tag
    /// rollups for one tag filter), or — with tag filters they cannot answer — from the raw records of the range that
    /// carry every tag, bucketed by the same rule.
    /// </summary>
    private async ValueTask<(Dictionary<long, LedgerMetrics> Buckets, LedgerMetrics Total, string? Error)> BucketsAsync(
        LedgerFilter filter, IReadOnlyList<TagFilter> tags, TimeBucket bucket, TimeZoneInfo zone, DayOfWeek weekStart, CancellationToken cancellationToken)
    {
        var buckets = new Dictionary<long, LedgerMetrics>();
        var only = OneTag(tags, filter);
        if (tags.Count == 0 || only is not null)
        {
            if (only is not null && await LedgerRetention.RawRangeProblemAsync(_store, filter, cancellationToken) is { } purgedTag)
            {
                return (buckets, default, purgedTag);
            }

            var report = await _store.QueryAsync(new LedgerQuery { Filter = filter, Tag = only, Bucket = bucket, TimeZone = zone, WeekStart = weekStart }, cancellationToken);
            foreach (var g in report.Groups)
            {
                Add(buckets, g.BucketStart!.Value.ToUnixTimeSeconds(), g.Metrics);
            }

            return (buckets, report.Total, null);
        }

        if (await LedgerRetention.RawRangeProblemAsync(_store, filter, cancellationToken) is { } purged)
        {
            return (buckets, default, purged);
        }

        var total = default(LedgerMetrics);
        await foreach (var record in _store.ScanAsync(filter, Tagged(LedgerScanSubset.Every, tags), cancellationToken))
        {
            if (tags.All(t => t.Matches(record.Tags)))
            {
                var metrics = LedgerMetrics.Of(record);
                Add(buckets, LedgerReportBuilder.BucketStart(record.Timestamp.ToUnixTimeSeconds(), bucket, zone, weekStart), metrics);
                total += metrics;
            }
        }

        return (buckets, total, null);
    }

    /// <summary>
    /// Groups side by side (see <see cref="Comparison"/>), every figure included. From the rollups where the latency rollups
    /// serve it (<see cref="LatencyRollupsServe"/>: by any dimension filtered on dimensions, by a tag, or by provider, model,
    /// api flavour or tenant for one tag): percentiles from the latency histograms, cache savings from usage sums where
    /// those price exactly, the other models' records read one by one. Otherwise (a session, several tags, a tag with a
    /// project, user or key) from the raw records of the range, exact percentiles included. With
    /// <paramref name="pricing"/>, cache savings are given (<see cref="CacheSavings"/>).
    /// </summary>
    public async ValueTask<AnalyticsOutcome<Comparison>> CompareAsync(BreakdownQuery query, ICostCalculator? pricing = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (Check(query) is { } invalid)
        {
            return AnalyticsOutcome<Comparison>.Fail(invalid);
        }

        return LatencyRollupsServe(query)
            ? await CompareFromLatencyRollupsAsync(query, pricing, long.MaxValue, cancellationToken)
            : await CompareRawAsync(query, pricing, cancellationToken);
    }

    /// <summary>The comparison from the raw records of the range: exact percentiles, each cached record repriced.</summary>
    private async ValueTask<AnalyticsOutcome<Comparison>> CompareRawAsync(BreakdownQuery query, ICostCalculator? pricing, CancellationToken cancellationToken)
    {

        var savings = pricing is null ? null : new CacheSavingsCalculator(pricing);
        var (parts, error) = await FoldRecordsAsync(query, () => new Dictionary<string, ComparisonGroup>(StringComparer.Ordinal), (part, key, record) =>
        {
            if (!part.TryGetValue(key, out var group))
            {
                part[key] = group = new ComparisonGroup();
            }

            group.Add(record, savings);
        }, cancellationToken);
        var groups = new Dictionary<string, ComparisonGroup>(StringComparer.Ordinal);
        foreach (var (key, group) in parts.SelectMany(p => p))
        {
            if (groups.TryGetValue(key, out var sum))
            {
                sum.Add(group);
            }
            else
            {
                groups[key] = group;
            }
        }

        return error is not null ? AnalyticsOutcome<Comparison>.Fail(error) : AnalyticsOutcome<Comparison>.Ok(Compare(groups, query.Top, savings is not null));
    }

    /// <summary>
    /// Above this many calls to read one by one, <see cref="CompareWithinLimitAsync"/> leaves out what needs them: for a
    /// comparison the narrow latency rollups serve, the cache savings of models not priced exactly from sums; for any
    /// other (by or filtered on project, user or key, by or for a tag — above this many calls in the range —, or one the
    /// latency rollups cannot serve), latency percentiles and cache savings.
    /// </summary>
    public const long RawComparisonLimit = 500_000;

    /// <summary>
    /// A comparison the narrow latency rollups serve (<see cref="CompareAsync"/>) reading at most <paramref name="rawLimit"/>
    /// records one by one; one by or filtered on project, user or key, or by or for a tag, from the wide or tag latency
    /// rollups when the range holds at most <paramref name="rawLimit"/> calls; any other from the raw records when the range holds at most
    /// <paramref name="rawLimit"/> calls or the rollups cannot answer it (see <see cref="RollupsServe"/>); otherwise
    /// <see cref="CompareFromRollupsAsync"/>.
    /// A <see cref="Comparison.Note"/> says what is left out.
    /// </summary>
    public async ValueTask<AnalyticsOutcome<Comparison>> CompareWithinLimitAsync(
        BreakdownQuery query, ICostCalculator? pricing = null, long rawLimit = RawComparisonLimit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var valid = Check(query) is null;
        if (valid && LatencyRollupsServe(query) && !WideLatency(query) && query.By.TagKey is null && query.Tags.Count == 0)
        {
            return await CompareFromLatencyRollupsAsync(query, pricing, rawLimit, cancellationToken);
        }

        if (valid && RollupsServe(query))
        {
            var calls = (await _store.QueryAsync(new LedgerQuery { Filter = query.Filter, Tag = OneTag(query.Tags, query.Filter) }, cancellationToken)).Total.Requests;
            if (calls > rawLimit)
            {
                var outcome = await CompareFromRollupsAsync(query, cancellationToken);
                return outcome.Value is null ? outcome : AnalyticsOutcome<Comparison>.Ok(outcome.Value with
                {
                    Note = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{calls:N0} calls: latency percentiles and cache savings are left out (they read every call); compare a shorter range for them"),
                });
            }
        }

        if (valid && LatencyRollupsServe(query))
        {
            // By or filtered on project, user or key, or by or for a tag, up to the limit: the wide or tag latency rollups,
            // whose day rows hold a histogram per dimension set or per tag value and narrow dimensions (a month of 10 M
            // calls by a tag of 8 values is 25 000 histograms: 0.2 s on SQLite, 0.7 s from PostgreSQL, where the narrow
            // ones take milliseconds).
            return await CompareFromLatencyRollupsAsync(query, pricing, rawLimit, cancellationToken);
        }

        return Check(query) is { } invalid ? AnalyticsOutcome<Comparison>.Fail(invalid) : await CompareRawAsync(query, pricing, cancellationToken);
    }

    /// <summary>
    /// The same comparison from the rollups (fast on any ledger), without what only raw records give: latency
    /// percentiles and cache savings are null; the efficiency score then weighs cost and success only.
    /// </summary>
    public async ValueTask<AnalyticsOutcome<Comparison>> CompareFromRollupsAsync(BreakdownQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (Check(query) is { } invalid)
        {
            return AnalyticsOutcome<Comparison>.Fail(invalid);
        }

        var (sums, error) = await GroupsAsync(query, query.Filter, cancellationToken);
        var groups = new Dictionary<string, ComparisonGroup>(StringComparer.Ordinal);
        foreach (var (key, metrics) in sums)
        {
            (groups[key] = new ComparisonGroup()).Add(metrics);
        }

        return error is not null ? AnalyticsOutcome<Comparison>.Fail(error) : AnalyticsOutcome<Comparison>.Ok(Compare(groups, query.Top, withSavings: false));
    }

    /// <summary>
    /// True when the latency rollups serve the comparison: grouped by a dimension, filtered on dimensions only (no tag, no
    /// session) — by or filtered on project, user or key, the wide latency rollups answer; else the narrow ones —; or
    /// grouped by a tag, or by provider, model, api flavour or tenant with one tag filter, filtered on those four only —
    /// the tag latency rollups answer.
    /// </summary>
    internal static bool LatencyRollupsServe(BreakdownQuery query) =>
        query.Filter.SessionId is null && (query.Tags.Count == 0
            ? query.By.TagKey is null ? query.By.Dimension is not null : LedgerReportBuilder.TagRollupsServe(query.Filter)
            : query.By.TagKey is null && LedgerReportBuilder.TagRollupsGroupBy(query.By.Dimension) && query.By.Dimension is not null && OneTag(query.Tags, query.Filter) is not null);

    /// <summary>True when a comparison the latency rollups serve needs the wide ones: by or filtered on project, user or key.</summary>
    private static bool WideLatency(BreakdownQuery query) =>
        query.By.Dimension is LedgerDimension.Project or LedgerDimension.User or LedgerDimension.Key || LatencyRollups.Wide(query.Filter, allDimensions: false);

    /// <summary>
    /// The comparison from the rollups: sums from the narrow rollups, percentiles from the latency histograms, cache savings
    /// priced from each UTC day's usage sums for the models whose price is exact on sums
    /// (<see cref="ICostCalculator.PricesSumsExactly"/>); the records of the other models are read one by one when they are
    /// at most <paramref name="rawLimit"/> calls, otherwise the savings are left out with a <see cref="Comparison.Note"/>.
    /// </summary>
    private async ValueTask<AnalyticsOutcome<Comparison>> CompareFromLatencyRollupsAsync(
        BreakdownQuery query, ICostCalculator? pricing, long rawLimit, CancellationToken cancellationToken)
    {
        // Savings of models not exact on sums, and a range's edges, read records: refused before the retention cutoff as
        // every view that may read them is, rather than answered from what is left.
        if (await LedgerRetention.RawRangeProblemAsync(_store, query.Filter, cancellationToken) is { } purged)
        {
            return AnalyticsOutcome<Comparison>.Fail(purged);
        }

        // The sums and the histograms are read at the same time. By a tag, the calls without it (or with an empty value)
        // are all the calls less the tagged ones: a call has one value of a key, so that difference is exact.
        var byTag = query.By.TagKey;
        var only = OneTag(query.Tags, query.Filter);
        var tagRows = byTag is not null || only is not null
            ? _store.TagLatencyRollupsAsync(query.Filter, byTag ?? only!.Value.Key, only?.Value, cancellationToken).AsTask()
            : null;
        var allRows = tagRows is null || byTag is not null ? _store.LatencyRollupsAsync(query.Filter, allDimensions: WideLatency(query), cancellationToken).AsTask() : null;
        var (sums, error) = await GroupsAsync(query, query.Filter, cancellationToken);
        // Each row's group; by a tag, the rows of an empty value are left to (none), which counts every call at first.
        var rows = new List<(IReadOnlyList<LatencyRollupRow> Rows, Func<LatencyRollupRow, string?> Key)>();
        if (tagRows is not null)
        {
            rows.Add((await tagRows, byTag is not null ? r => r.TagValue.Length == 0 ? null : r.TagValue : r => KeyOf(r.Get(query.By.Dimension!.Value))));
        }

        if (allRows is not null)
        {
            rows.Add((await allRows, byTag is not null ? _ => CostReport.NoneKey : r => KeyOf(r.Get(query.By.Dimension!.Value))));
        }

        if (error is not null)
        {
            return AnalyticsOutcome<Comparison>.Fail(error);
        }

        // Each group's counts are summed in an array indexed by bucket (thousands of rows into a few groups).
        var counts = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var cacheCalls = new Dictionary<(long Day, string Provider, string Model, string Key), long>();
        foreach (var (some, keyOf) in rows)
        {
            foreach (var row in some)
            {
                if (keyOf(row) is not { } key)
                {
                    continue;
                }

                ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _);
                sum ??= new long[LatencyBuckets.ExactBelow * 2];
                row.Histogram.AddTo(ref sum);
                ref var calls = ref CollectionsMarshal.GetValueRefOrAddDefault(cacheCalls, (row.Day, row.Provider, row.Model, key), out _);
                calls += row.CacheCalls;
            }
        }

        if (byTag is not null)
        {
            // (none) holds every call so far: less each value's.
            var none = counts.GetValueOrDefault(CostReport.NoneKey) ?? new long[LatencyBuckets.ExactBelow * 2];
            foreach (var (key, sum) in counts.Where(c => c.Key != CostReport.NoneKey))
            {
                Array.Resize(ref none, Math.Max(none.Length, sum.Length));
                for (var b = 0; b < sum.Length; b++)
                {
                    none[b] -= sum[b];
                }
            }

            counts[CostReport.NoneKey] = none;
            foreach (var ((day, provider, model, key), n) in cacheCalls.Where(c => c.Key.Key != CostReport.NoneKey).ToList())
            {
                ref var calls = ref CollectionsMarshal.GetValueRefOrAddDefault(cacheCalls, (day, provider, model, CostReport.NoneKey), out _);
                calls -= n;
            }
        }

        var histograms = counts.ToDictionary(c => c.Key, c => LatencyHistogram.FromCounts(c.Value), StringComparer.Ordinal);

        var notes = new List<string>();
        var successes = sums.Values.Sum(m => m.Requests - m.Errors);
        var counted = histograms.Values.Sum(h => h.Count);
        if (counted != successes)
        {
            // Only where a ledger upgraded to the latency rollups had already purged raw records.
            notes.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"latency percentiles cover {counted:N0} of {successes:N0} successful calls (the others' raw records were purged before the latency rollups existed)"));
        }

        Dictionary<string, CacheSavings>? savings = null;
        if (pricing is not null)
        {
            (savings, var savingsNote) = await SavingsFromSumsAsync(query, pricing, cacheCalls, sums.Keys, rawLimit, cancellationToken);
            if (savingsNote is not null)
            {
                notes.Add(savingsNote);
            }
        }

        var groups = new Dictionary<string, ComparisonGroup>(StringComparer.Ordinal);
        foreach (var (key, metrics) in sums)
        {
            (groups[key] = new ComparisonGroup()).Add(metrics, histograms.GetValueOrDefault(key) ?? new LatencyHistogram(), savings?.GetValueOrDefault(key) ?? default);
        }

        var comparison = Compare(groups, query.Top, savings is not null);
        return AnalyticsOutcome<Comparison>.Ok(notes.Count == 0 ? comparison : comparison with { Note = string.Join("; ", notes) });

        string KeyOf(string value) => string.IsNullOrEmpty(value) ? CostReport.NoneKey : value;
    }

    /// <summary>
    /// Cache savings per group without reading records where sums price them exactly: a model whose price is linear in
    /// whole nano-dollars for the range's calls saves, on each UTC day, what its summed usage priced without its cache
    /// units saves at that day's price (a price linear in every unit makes the sum of the calls' differences the difference
    /// of the sums). A model no price list knows skips each of its cached calls, as the per-record repricing does. The
    /// records of any other model (or of a day with unpriced calls) are read one by one, up to <paramref name="rawLimit"/>.
    /// Returns null savings and a note when that limit leaves them out.
    /// </summary>
    private async ValueTask<(Dictionary<string, CacheSavings>? Savings, string? Note)> SavingsFromSumsAsync(
        BreakdownQuery query, ICostCalculator pricing, Dictionary<(long Day, string Provider, string Model, string Key), long> cacheCalls,
        IEnumerable<string> groups, long rawLimit, CancellationToken cancellationToken)
    {
        var savings = new Dictionary<string, CacheSavings>(StringComparer.Ordinal);
        var byPair = cacheCalls.GroupBy(c => (c.Key.Provider, c.Key.Model)).ToDictionary(g => g.Key, g => g.ToList());
        var outliers = (await _store.UsageOutliersAsync(query.Filter, cancellationToken)).ToDictionary(o => (o.Provider, o.Model));
        var perRecord = new HashSet<(string Provider, string Model)>();
        var fromSums = new List<((string Provider, string Model) Pair, Task<Dictionary<string, CacheSavings>?> Daily)>();
        // By a tag, every model's sums in one read per value (made when a model first needs them); per provider when a model
        // name is served by two providers.
        var perProvider = byPair.Keys.GroupBy(p => p.Model, StringComparer.Ordinal).Any(g => g.Count() > 1);
        var byTag = new Dictionary<string, Task<Dictionary<string, List<(string Key, long Day, LedgerMetrics Metrics)>>>>(StringComparer.Ordinal);
        foreach (var (pair, calls) in byPair)
        {
            if (calls.All(c => c.Value == 0))
            {
                continue; // no call used a cache: nothing saved, nothing skipped
            }

            if (pricing.PricesNoCall(pair.Provider, pair.Model))
            {
                foreach (var ((_, _, _, key), n) in calls)
                {
                    Add(savings, key, new CacheSavings(0, 0, 0, 0, 0, 0, n));
                }

                continue;
            }

            var (largest, otherUnits) = outliers.TryGetValue(pair, out var outlier)
                ? (Math.Max(outlier.LargestInputTokens, LedgerUsageOutlier.LongInputTokens), outlier.OtherUnits)
                : (LedgerUsageOutlier.LongInputTokens, false);
            if (!pricing.PricesSumsExactly(pair.Provider, pair.Model, largest, otherUnits))
            {
                perRecord.Add(pair);
                continue;
            }

            Task<IEnumerable<(string Key, long Day, LedgerMetrics Metrics)>> sums;
            if (query.By.TagKey is { } tagKey)
            {
                var scope = perProvider ? pair.Provider : "";
                if (!byTag.TryGetValue(scope, out var read))
                {
                    byTag[scope] = read = ModelDailySums.ReadByTagAsync(_store, perProvider ? query.Filter with { Provider = pair.Provider } : query.Filter,
                        tagKey, [.. groups.Where(g => g != CostReport.NoneKey)], cancellationToken);
                }

                sums = ModelSums(read, pair.Model);
            }
            else
            {
                sums = ModelDailySums.ReadAsync(_store, query.Filter, query.By.Dimension, OneTag(query.Tags, query.Filter), pair, cancellationToken).AsTask();
            }

            fromSums.Add((pair, DailySavingsAsync(pricing, pair, calls.ToDictionary(c => (c.Key.Day, c.Key.Key), c => c.Value), sums).AsTask()));
        }

        // The models' daily sums are read at the same time (one query each; one after another they added up to 0.4 s on PostgreSQL).
        await Task.WhenAll(fromSums.Select(f => f.Daily));
        foreach (var (pair, task) in fromSums)
        {
            if (await task is not { } daily)
            {
                perRecord.Add(pair);
                continue;
            }

            foreach (var (key, saved) in daily)
            {
                Add(savings, key, saved);
            }
        }

        if (perRecord.Count == 0)
        {
            return (savings, null);
        }

        var records = 0L;
        foreach (var provider in perRecord.Select(p => p.Provider).Distinct(StringComparer.Ordinal))
        {
            var models = await _store.QueryAsync(new LedgerQuery { Filter = query.Filter with { Provider = provider }, GroupBy = LedgerDimension.Model }, cancellationToken);
            records += models.Groups.Where(g => g.Key is { } m && perRecord.Contains((provider, m))).Sum(g => g.Metrics.Requests);
        }

        if (records > rawLimit)
        {
            return (null, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"cache savings are left out: {string.Join(", ", perRecord.Select(p => p.Model).Order(StringComparer.Ordinal))} cannot be priced from sums and have {records:N0} calls to reprice one by one; compare a shorter range for them"));
        }

        var calculator = new CacheSavingsCalculator(pricing);
        var subset = new LedgerScanSubset([.. perRecord.Select(p => p.Model).Distinct(StringComparer.Ordinal)], []);
        var (parts, error) = await FoldRecordsAsync(query, subset, () => new Dictionary<string, CacheSavings>(StringComparer.Ordinal), (part, key, record) =>
        {
            if (perRecord.Contains((record.Provider, record.Model)))
            {
                Add(part, key, calculator.Of(record));
            }
        }, cancellationToken);
        if (error is not null)
        {
            return (null, "cache savings are left out: " + error);
        }

        foreach (var (key, saved) in parts.SelectMany(p => p))
        {
            Add(savings, key, saved);
        }

        return (savings, null);

        static void Add(Dictionary<string, CacheSavings> savings, string key, CacheSavings saved)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(savings, key, out _);
            sum += saved;
        }
    }

    /// <summary>One model's sums of <see cref="ModelDailySums.ReadByTagAsync"/>.</summary>
    private static async Task<IEnumerable<(string Key, long Day, LedgerMetrics Metrics)>> ModelSums(
        Task<Dictionary<string, List<(string Key, long Day, LedgerMetrics Metrics)>>> byTag, string model) =>
        (await byTag).GetValueOrDefault(model) ?? [];

    /// <summary>
    /// One model's savings per group from its usage sums per UTC day, priced at that day's price; null when a day's sums
    /// hold unpriced calls (which the per-record repricing skips one by one) or a price cannot be computed.
    /// </summary>
    private static async ValueTask<Dictionary<string, CacheSavings>?> DailySavingsAsync(ICostCalculator pricing,
        (string Provider, string Model) pair, Dictionary<(long Day, string Key), long> cacheCalls, Task<IEnumerable<(string Key, long Day, LedgerMetrics Metrics)>> sums)
    {
        var savings = new Dictionary<string, CacheSavings>(StringComparer.Ordinal);
        foreach (var (key, unixDay, m) in await sums)
        {
            var day = DateTimeOffset.FromUnixTimeSeconds(unixDay);
            var calls = cacheCalls.GetValueOrDefault((unixDay, key));
            if (calls == 0 && m.CacheReadTokens == 0 && m.CacheWriteTokens == 0)
            {
                continue;
            }

            if (m.Unpriced != 0)
            {
                return null;
            }

            var actual = pricing.CalculateSumsTotal(pair.Provider, pair.Model, m.SummedUsage(), day);
            var noReads = pricing.CalculateSumsTotal(pair.Provider, pair.Model, m.SummedUsage(cacheReads: false), day);
            var noWrites = pricing.CalculateSumsTotal(pair.Provider, pair.Model, m.SummedUsage(cacheWrites: false), day);
            var none = pricing.CalculateSumsTotal(pair.Provider, pair.Model, m.SummedUsage(cacheReads: false, cacheWrites: false), day);
            if (!actual.Priced || !noReads.Priced || !noWrites.Priced || !none.Priced)
            {
                return null;
            }

            var (a, r, w, n) = (actual.TotalCost, noReads.TotalCost, noWrites.TotalCost, none.TotalCost);
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(savings, key, out _);
            sum += new CacheSavings(r - a, 0, 0, a - w, n - a, calls, 0);
        }

        return savings;
    }

    private static Comparison Compare(Dictionary<string, ComparisonGroup> groups, int? top, bool withSavings)
    {
        var ranked = groups.OrderByDescending(g => g.Value.Metrics.CostNanos).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (top is { } n && ranked.Count > n)
        {
            var other = new ComparisonGroup();
            foreach (var g in ranked.Skip(n))
            {
                other.Add(g.Value);
            }

            ranked = [.. ranked.Take(n), new(Breakdown.OtherKey, other)];
        }

        var total = new ComparisonGroup();
        foreach (var g in ranked)
        {
            total.Add(g.Value);
        }

        var rows = ranked.Select(g => (g.Key, Group: g.Value, P50: g.Value.Percentile(0.50), P95: g.Value.Percentile(0.95))).ToList();
        var bestCost = rows.Select(r => UsageRatios.CostPer1kTokens(r.Group.Metrics)).Where(c => c > 0).DefaultIfEmpty(0).Min();
        var bestLatency = rows.Select(r => r.P50 ?? 0).Where(l => l > 0).DefaultIfEmpty(0).Min();
        var result = rows.Select(r => new ComparisonRow(
            r.Key, r.Group.Metrics, r.P50, r.P95, withSavings ? r.Group.Savings : null,
            EfficiencyScore(r.Group.Metrics, r.P50, bestCost, bestLatency))).ToList();
        return new Comparison(total.Metrics, result, withSavings ? total.Savings : null);
    }

    /// <summary>
    /// 100 × success rate × (cheapest cost per 1k tokens ÷ this row's)^0.7 × (fastest median latency ÷ this row's)^0.3,
    /// one decimal: 100 for the cheapest and fastest group with no failures; a factor without data counts as 1.
    /// </summary>
    internal static decimal EfficiencyScore(LedgerMetrics metrics, long? p50, decimal bestCostPer1k, long bestLatency)
    {
        if (metrics.Requests == 0)
        {
            return 0;
        }

        var cost = UsageRatios.CostPer1kTokens(metrics);
        var costFactor = cost > 0 && bestCostPer1k > 0 ? (double)(bestCostPer1k / cost) : 1;
        var latencyFactor = p50 is > 0 && bestLatency > 0 ? bestLatency / (double)p50.Value : 1;
        var score = 100 * (double)UsageRatios.SuccessRate(metrics) * Math.Pow(costFactor, 0.7) * Math.Pow(latencyFactor, 0.3);
        return Math.Round((decimal)score, 1, MidpointRounding.ToEven);
    }

    /// <summary>Spend today and this month in <paramref name="zone"/> up to <paramref name="now"/>, each with the previous period up to the same point.</summary>
    public async ValueTask<SpendSummary> SpendSummaryAsync(LedgerFilter filter, TimeZoneInfo zone, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var today = LocalStart(local.Date, zone);
        var yesterday = LocalStart(local.Date.AddDays(-1), zone);
        var month = LocalStart(new DateTime(local.Year, local.Month, 1), zone);
        var lastMonth = LocalStart(new DateTime(local.Year, local.Month, 1).AddMonths(-1), zone);
        var todayPeriod = await PeriodAsync(today, yesterday, yesterday + (now - today));
        var monthPeriod = await PeriodAsync(month, lastMonth, Min(lastMonth + (now - month), month));
        return new SpendSummary(todayPeriod, monthPeriod);

        async ValueTask<SpendPeriod> PeriodAsync(DateTimeOffset from, DateTimeOffset previousFrom, DateTimeOffset previousTo)
        {
            var current = await _store.QueryAsync(new LedgerQuery { Filter = filter with { From = from, To = now } }, cancellationToken);
            var previous = await _store.QueryAsync(new LedgerQuery { Filter = filter with { From = previousFrom, To = previousTo } }, cancellationToken);
            return new SpendPeriod(from, now, current.Total, previousFrom, previousTo, previous.Total);
        }

        static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
    }

    /// <summary>The instant a local day starts in <paramref name="zone"/> (the first valid local time when midnight is skipped by DST).</summary>
    internal static DateTimeOffset LocalStart(DateTime localDate, TimeZoneInfo zone)
    {
        var start = DateTime.SpecifyKind(localDate, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(start))
        {
            start = start.AddMinutes(15);
        }

        return new DateTimeOffset(start, zone.GetUtcOffset(start));
    }

    /// <summary>
    /// True when the rollups answer the breakdown exactly: no tag filter (by a dimension, or by a tag with provider,
    /// model, api flavour or tenant filters only), or one tag filter grouped by provider, model, api flavour or tenant.
    /// </summary>
    public static bool RollupsServe(BreakdownQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.Tags.Count == 0
            ? query.By.TagKey is null || LedgerReportBuilder.TagRollupsServe(query.Filter)
            : query.By.TagKey is null && LedgerReportBuilder.TagRollupsGroupBy(query.By.Dimension) && OneTag(query.Tags, query.Filter) is not null;
    }

    /// <summary>
    /// The report of <paramref name="query"/> over the records carrying every tag of <paramref name="tags"/>, when the
    /// rollups can answer it (no tag, or one with no project, user, key or session filter, grouped by nothing, provider,
    /// model, api flavour or tenant); null otherwise.
    /// </summary>
    public async ValueTask<LedgerReport?> TaggedReportAsync(LedgerQuery query, IReadOnlyList<TagFilter> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(tags);
        var only = OneTag(tags, query.Filter);
        if ((tags.Count > 0 && only is null) || query.GroupByTag is not null || (only is not null && !LedgerReportBuilder.TagRollupsGroupBy(query.GroupBy)))
        {
            return null;
        }

        return await _store.QueryAsync(query with { Tag = only }, cancellationToken);
    }

    /// <summary>The one tag filter the tag rollups can answer over <paramref name="filter"/>; null for none, several, or a filter they do not hold.</summary>
    private static LedgerTag? OneTag(IReadOnlyList<TagFilter> tags, LedgerFilter filter) =>
        tags.Count == 1 && LedgerReportBuilder.TagRollupsServe(filter) ? new LedgerTag(tags[0].Key, tags[0].Value) : null;

    private static string? Check(BreakdownQuery query) =>
        query.Top is <= 0 ? "top must be a positive number"
        : query.Filter.From > query.Filter.To ? "from is after to: swap them"
        : null;

    /// <summary>
    /// Folds each raw record of the range that carries every tag of the query, with its group key
    /// (<see cref="CostReport.NoneKey"/> when it has no value), into a part made by <paramref name="create"/>. A bounded
    /// range is cut into time slices scanned at the same time, one part each (a part sees one slice only, so
    /// <paramref name="visit"/> needs no lock); the caller merges the parts. Returns an error when grouping by a tag key
    /// that no record of the range has, or when the range reaches before the retention cutoff.
    /// </summary>
    internal ValueTask<(IReadOnlyList<TPart> Parts, string? Error)> FoldRecordsAsync<TPart>(
        BreakdownQuery query, Func<TPart> create, Action<TPart, string, UsageRecord> visit, CancellationToken cancellationToken) =>
        FoldRecordsAsync(query, null, create, visit, cancellationToken);

    /// <summary>As above, reading only the records of <paramref name="subset"/> when one is given.</summary>
    internal async ValueTask<(IReadOnlyList<TPart> Parts, string? Error)> FoldRecordsAsync<TPart>(
        BreakdownQuery query, LedgerScanSubset? subset, Func<TPart> create, Action<TPart, string, UsageRecord> visit, CancellationToken cancellationToken)
    {
        if (await LedgerRetention.RawRangeProblemAsync(_store, query.Filter, cancellationToken) is { } purged)
        {
            return ([], purged);
        }

        var slices = await Task.WhenAll(Slices(query.Filter).Select(filter => Task.Run(async () =>
        {
            var slice = new Slice<TPart>(create());
            var narrowed = subset is null && query.Tags.Count == 0 ? null : Tagged(subset ?? LedgerScanSubset.Every, query.Tags);
            var records = narrowed is null ? _store.ScanAsync(filter, cancellationToken) : _store.ScanAsync(filter, narrowed, cancellationToken);
            await foreach (var record in records)
            {
                if (query.Tags.Count > 0 && !query.Tags.All(t => t.Matches(record.Tags)))
                {
                    continue;
                }

                slice.Any = true;
                string? key;
                if (query.By.TagKey is { } tag)
                {
                    key = record.Tags.TryGetValue(tag, out var value) ? value : null;
                    slice.SeenKey |= key is not null;
                    if (slice.Keys.Count < 50)
                    {
                        slice.Keys.UnionWith(record.Tags.Keys);
                    }
                }
                else
                {
                    key = LedgerReportBuilder.KeyOf(record, query.By.Dimension);
                }

                visit(slice.Part, string.IsNullOrEmpty(key) ? CostReport.NoneKey : key, record);
            }

            return slice;
        }, cancellationToken)));

        var parts = slices.Select(s => s.Part).ToList();
        if (query.By.TagKey is null || slices.Any(s => s.SeenKey) || !slices.Any(s => s.Any))
        {
            return (parts, null);
        }

        var keys = new SortedSet<string>(slices.SelectMany(s => s.Keys), StringComparer.Ordinal);
        return (parts, UnknownTagKey(query.By.TagKey, keys.Take(50)));
    }

    private static string UnknownTagKey(string key, IEnumerable<string> present) =>
        $"no record in the range has the tag key '{key}'" +
        (present.Any() ? $"; tag keys present: {string.Join(", ", present)}" : "; no record in the range has tags");

    /// <summary><paramref name="subset"/> narrowed to the records carrying every tag of <paramref name="tags"/>, tested by the store's query rather than on each decoded record.</summary>
    private static LedgerScanSubset Tagged(LedgerScanSubset subset, IReadOnlyList<TagFilter> tags) =>
        tags.Count == 0 ? subset : subset with { Tags = [.. tags.Select(t => new LedgerTag(t.Key, t.Value))] };

    /// <summary>Most time slices a raw-record fold scans at once.</summary>
    private const int MaxSlices = 4;

    /// <summary>A bounded range cut into one slice per core (up to <see cref="MaxSlices"/>) on whole seconds; an open range whole.</summary>
    private static List<LedgerFilter> Slices(LedgerFilter filter)
    {
        var count = Math.Min(Environment.ProcessorCount, MaxSlices);
        if (count < 2 || filter.From is not { } from || filter.To is not { } to || to - from < TimeSpan.FromMinutes(count))
        {
            return [filter];
        }

        var step = TimeSpan.FromSeconds(Math.Floor((to - from).TotalSeconds / count));
        var slices = new List<LedgerFilter>(count);
        for (var i = 0; i < count; i++)
        {
            slices.Add(filter with { From = i == 0 ? from : from + step * i, To = i == count - 1 ? to : from + step * (i + 1) });
        }

        return slices;
    }

    private sealed class Slice<TPart>(TPart part)
    {
        public TPart Part { get; } = part;

        public bool Any { get; set; }

        public bool SeenKey { get; set; }

        public SortedSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }

    private static void Add<TKey>(Dictionary<TKey, LedgerMetrics> groups, TKey key, LedgerMetrics metrics)
        where TKey : notnull
    {
        ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(groups, key, out _);
        sum += metrics;
    }
}
