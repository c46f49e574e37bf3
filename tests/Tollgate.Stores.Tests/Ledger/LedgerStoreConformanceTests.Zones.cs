using System.Globalization;
using Tollgate.Ledger;

namespace Tollgate.Stores.Tests.Ledger;

/// <summary>
/// Exactness in every time zone: on generated ledgers spanning DST changes, and with records placed on (and a
/// microsecond before) local bucket boundaries, every report total equals the sum of its buckets, of its breakdown
/// and of the export for the same filter, and each bucket holds exactly the exported records whose local time falls in it.
/// </summary>
public abstract partial class LedgerStoreConformanceTests
{
    public static TheoryData<string> ExactnessZones =>
    [
        "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham",
    ];

    [Theory]
    [MemberData(nameof(ExactnessZones))]
    public async Task QueryAsync_AnyZoneAndBucket_TotalsEqualBucketsBreakdownAndExport(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        await using var store = await CreateStoreAsync();
        var records = ZoneLedger(zone, seed: zoneId.Length);
        await AppendInBatches(store, records, 97);
        var random = new Random(zoneId.GetHashCode(StringComparison.Ordinal) & 0xffff);
        var filters = new List<LedgerFilter>
        {
            new(),
            new() { Tenant = "tenant-1" },
            new() { From = new DateTimeOffset(2026, 3, 28, 18, 30, 0, TimeSpan.Zero), To = new DateTimeOffset(2026, 4, 6, 0, 0, 0, TimeSpan.Zero) },
        };
        for (var i = 0; i < 3; i++)
        {
            // Bounds anywhere, down to the microsecond.
            var from = ZoneLedgerStart.AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerDay * 200) / 10 * 10);
            filters.Add(new LedgerFilter { From = from, To = from.AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerDay * 60) / 10 * 10), User = i == 0 ? "user-2" : null });
        }

        foreach (var filter in filters)
        {
            var exported = new List<UsageRecord>();
            await foreach (var r in store.ReadAsync(filter, Ct))
            {
                exported.Add(r);
            }

            Assert.Equal(records.Where(filter.Matches).Count(), exported.Count);
            var exportTotal = LedgerTestData.Sum(exported);
            var total = await store.QueryAsync(new LedgerQuery { Filter = filter, TimeZone = zone }, Ct);
            Assert.Equal(exportTotal, total.Total);
            var byUser = await store.QueryAsync(new LedgerQuery { Filter = filter, TimeZone = zone, GroupBy = LedgerDimension.User }, Ct);
            Assert.Equal(exportTotal, byUser.Total);
            Assert.Equal(exportTotal, byUser.Groups.Aggregate(default(LedgerMetrics), (s, g) => s + g.Metrics));
            foreach (var bucket in new[] { TimeBucket.Hour, TimeBucket.Day, TimeBucket.Week, TimeBucket.Month })
            {
                foreach (var groupBy in new LedgerDimension?[] { null, LedgerDimension.Provider, LedgerDimension.Tenant })
                {
                    var report = await store.QueryAsync(new LedgerQuery { Filter = filter, TimeZone = zone, Bucket = bucket, GroupBy = groupBy }, Ct);
                    var expected = exported
                        .GroupBy(r => (Label: LocalLabel(r.Timestamp, zone, bucket), Key: groupBy is { } d ? GroupKeyOf(r, d) : null))
                        .Select(g => (g.Key.Label, g.Key.Key, LedgerTestData.Sum(g)))
                        .OrderBy(g => g.Label, StringComparer.Ordinal).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
                    var actual = report.Groups.Select(g => (g.BucketLabel!, g.Key, g.Metrics))
                        .OrderBy(g => g.Item1, StringComparer.Ordinal).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
                    Assert.Equal(exportTotal, report.Total);
                    Assert.Equal(expected, actual);
                }
            }
        }
    }

    [Fact]
    public async Task QueryAsync_KolkataDays_HandComputedSplitAtLocalMidnight()
    {
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        await using var store = await CreateStoreAsync();
        // Local midnight of 2026-11-02 in Kolkata is 2026-11-01T18:30Z.
        await store.AppendAsync(
        [
            LedgerTestData.Record("a", new DateTimeOffset(2026, 11, 1, 18, 29, 59, TimeSpan.Zero).AddTicks(9_999_990), cost: 1.25m),
            LedgerTestData.Record("b", new DateTimeOffset(2026, 11, 1, 18, 30, 0, TimeSpan.Zero), cost: 2.5m),
            LedgerTestData.Record("c", new DateTimeOffset(2026, 11, 1, 18, 59, 0, TimeSpan.Zero), cost: 0.000000001m),
            LedgerTestData.Record("d", new DateTimeOffset(2026, 11, 1, 18, 0, 0, TimeSpan.Zero), cost: 4m),
        ], Ct);

        var report = await store.QueryAsync(new LedgerQuery { TimeZone = kolkata, Bucket = TimeBucket.Day }, Ct);
        var hours = await store.QueryAsync(new LedgerQuery { TimeZone = kolkata, Bucket = TimeBucket.Hour }, Ct);

        Assert.Equal([("2026-11-01", 5.25m, 2L), ("2026-11-02", 2.500000001m, 2L)], report.Groups.Select(g => (g.BucketLabel!, g.Metrics.Cost, g.Metrics.Requests)).ToList());
        Assert.Equal(
            [("2026-11-01T23:00+05:30", 5.25m), ("2026-11-02T00:00+05:30", 2.500000001m)],
            hours.Groups.Select(g => (g.BucketLabel!, g.Metrics.Cost)).ToList());
        Assert.Equal(7.750000001m, report.Total.Cost);
    }

    private static readonly DateTimeOffset ZoneLedgerStart = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Records spread over March–April and October–November 2026 (every DST change of the zones above), plus records
    /// exactly on and a microsecond before local day starts of the zone, with microsecond-precise times.
    /// </summary>
    private static List<UsageRecord> ZoneLedger(TimeZoneInfo zone, int seed)
    {
        var random = new Random(seed);
        var spread = LedgerTestData.Many(700, seed);
        var records = new List<UsageRecord>();
        foreach (var r in spread)
        {
            var window = random.Next(2) == 0 ? ZoneLedgerStart : new DateTimeOffset(2026, 9, 20, 0, 0, 0, TimeSpan.Zero);
            records.Add(r with { Timestamp = window.AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerDay * 50)) });
        }

        var edge = 0;
        for (var day = new DateTime(2026, 3, 26); day < new DateTime(2026, 4, 8); day = day.AddDays(1))
        {
            foreach (var d in new[] { day, day.AddMonths(7) })
            {
                var midnight = new DateTimeOffset(d, zone.GetUtcOffset(d));
                var template = spread[edge % spread.Count];
                records.Add(template with { RequestId = $"edge-{edge++}", Attempt = 1, Timestamp = midnight });
                records.Add(template with { RequestId = $"edge-{edge++}", Attempt = 1, Timestamp = midnight.AddTicks(-10) });
            }
        }

        return records;
    }

    private static string LocalLabel(DateTimeOffset timestamp, TimeZoneInfo zone, TimeBucket bucket)
    {
        var local = TimeZoneInfo.ConvertTime(timestamp, zone);
        return bucket switch
        {
            TimeBucket.Hour => new DateTimeOffset(local.Year, local.Month, local.Day, local.Hour, 0, 0, local.Offset)
                .ToString("yyyy-MM-dd'T'HH:mmzzz", CultureInfo.InvariantCulture),
            TimeBucket.Day => local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            TimeBucket.Week => $"{ISOWeek.GetYear(local.DateTime):D4}-W{ISOWeek.GetWeekOfYear(local.DateTime):D2}",
            _ => local.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        };
    }

    private static string? GroupKeyOf(UsageRecord r, LedgerDimension dimension) => dimension switch
    {
        LedgerDimension.Provider => r.Provider,
        LedgerDimension.Tenant => r.Tenant,
        _ => throw new ArgumentOutOfRangeException(nameof(dimension)),
    };
}
