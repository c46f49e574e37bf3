using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Stores.Tests.Ledger;

/// <summary>
/// The one contract every ledger store must meet. Each store derives a class that only says how to create an
/// empty store; every test here then runs against it.
/// </summary>
public abstract partial class LedgerStoreConformanceTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    /// <summary>A new, empty store, isolated from every other test.</summary>
    protected abstract ValueTask<ILedgerStore> CreateStoreAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AppendAsync_SameKeyTwice_StoresOnce()
    {
        await using var store = await CreateStoreAsync();
        var record = LedgerTestData.Record("r1", LedgerTestData.Start, cost: 0.5m);
        var first = await store.AppendAsync([record, record with { TotalCost = 9m }], Ct);
        var second = await store.AppendAsync([record], Ct);

        Assert.Equal(new LedgerAppendResult(1, 1), first);
        Assert.Equal(new LedgerAppendResult(0, 1), second);
        var report = await store.QueryAsync(new LedgerQuery(), Ct);
        Assert.Equal(1, report.Total.Requests);
        Assert.Equal(0.5m, report.Total.Cost);
        Assert.Equal(0.5m, (await store.FindAsync(record.Key, Ct))!.TotalCost);
    }

    [Fact]
    public async Task AppendAsync_SameRequestOtherAttempt_StoresBoth()
    {
        await using var store = await CreateStoreAsync();
        var a1 = LedgerTestData.Record("r1", LedgerTestData.Start, attempt: 1);
        var a2 = LedgerTestData.Record("r1", LedgerTestData.Start, attempt: 2);

        var result = await store.AppendAsync([a1, a2], Ct);

        Assert.Equal(2, result.Inserted);
        Assert.Equal(2, (await store.QueryAsync(new LedgerQuery(), Ct)).Total.Requests);
    }

    [Fact]
    public async Task FindAsync_AfterAppend_ReturnsEveryFieldUnchanged()
    {
        await using var store = await CreateStoreAsync();
        var usage = new Usage { InputTokens = 1000, CacheReadTokens = 200, CacheWriteTokens = 50, OutputTokens = 300, ReasoningTokens = 120 };
        usage.Set(UsageUnit.InputAudioTokens, 33);
        usage.Set(UsageUnit.WebSearches, 2);
        var record = new UsageRecord
        {
            RequestId = "req-\"quoted\",comma",
            Attempt = 3,
            Timestamp = new DateTimeOffset(2026, 11, 22, 23, 59, 59, TimeSpan.FromHours(1)).AddTicks(1234567),
            Provider = "anthropic",
            Model = "claude-sonnet-4",
            ApiFlavor = "messages",
            Tenant = "acme",
            Project = "search",
            User = "alice",
            KeyId = "key-1",
            SessionId = "s-1",
            Tags = new Dictionary<string, string> { ["feature"] = "summarize", ["env"] = "prod" },
            Usage = usage,
            InputCost = 0.000123456m,
            OutputCost = 1.5m,
            TotalCost = 1.500123456m,
            PriceSource = "genai-prices@2026-11-01",
            LatencyMs = 1234,
            Success = false,
            ErrorClass = "cut_off",
            Estimated = true,
            Unpriced = true,
        };

        await store.AppendAsync([record], Ct);
        var found = await store.FindAsync(record.Key, Ct);

        Assert.NotNull(found);
        Assert.Equal(record, found);
        Assert.Equal(33, found.Usage[UsageUnit.InputAudioTokens]);
        Assert.Equal(1.500123456m, found.TotalCost);
        Assert.Equal(record.Timestamp, found.Timestamp);
        Assert.Null(await store.FindAsync(new LedgerKey("missing", 1), Ct));
    }

    [Fact]
    public async Task AppendAsync_NonAsciiAndLargeValuesInALargeBatch_RoundTripAndRollUp()
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(3000, seed: 11);
        records[0] = records[0] with
        {
            User = "ユーザー-ü",
            Project = "projet-é",
            Tags = new Dictionary<string, string> { ["big"] = new string('x', 100_000) + "€", ["emoji"] = "🚀" },
        };
        records[1500] = records[1500] with { User = "ユーザー-ü", Project = "projet-é", ErrorClass = "délai" };

        var result = await store.AppendAsync(records, Ct);
        var first = await store.FindAsync(records[0].Key, Ct);
        var middle = await store.FindAsync(records[1500].Key, Ct);
        var byUser = await store.QueryAsync(new LedgerQuery { Filter = new LedgerFilter { User = "ユーザー-ü" }, GroupBy = LedgerDimension.Project }, Ct);

        Assert.Equal(records.Count, result.Inserted);
        Assert.Equal(records[0], first);
        Assert.Equal(records[1500], middle);
        Assert.Equal(LedgerTestData.Sum([records[0], records[1500]]), byUser.Total);
        Assert.Equal("projet-é", Assert.Single(byUser.Groups).Key);
    }

    [Theory]
    [InlineData(LedgerDimension.Provider)]
    [InlineData(LedgerDimension.Model)]
    [InlineData(LedgerDimension.Project)]
    [InlineData(LedgerDimension.User)]
    [InlineData(LedgerDimension.Tenant)]
    [InlineData(LedgerDimension.Key)]
    [InlineData(LedgerDimension.ApiFlavor)]
    public async Task QueryAsync_GroupByDimension_MatchesSumsOverRecords(LedgerDimension dimension)
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(600);
        await AppendInBatches(store, records, 97);

        var report = await store.QueryAsync(new LedgerQuery { GroupBy = dimension }, Ct);

        var expected = records.GroupBy(r => KeyOf(r, dimension))
            .ToDictionary(g => g.Key ?? "", g => LedgerTestData.Sum(g));
        Assert.Equal(LedgerTestData.Sum(records), report.Total);
        Assert.Equal(expected.Count, report.Groups.Count);
        foreach (var group in report.Groups)
        {
            Assert.Equal(expected[group.Key ?? ""], group.Metrics);
        }

        Assert.True(report.Groups.Zip(report.Groups.Skip(1)).All(p => p.First.Metrics.CostNanos >= p.Second.Metrics.CostNanos),
            "groups without a bucket are ordered by cost, most expensive first");
    }

    [Fact]
    public async Task QueryAsync_DayBucketsInBerlin_SplitAtLocalMidnight()
    {
        await using var store = await CreateStoreAsync();
        // 22:30Z is 23:30 in Berlin (21st); 23:30Z is 00:30 in Berlin (22nd).
        await store.AppendAsync(
        [
            LedgerTestData.Record("a", new DateTimeOffset(2026, 11, 21, 22, 30, 0, TimeSpan.Zero), cost: 1m),
            LedgerTestData.Record("b", new DateTimeOffset(2026, 11, 21, 23, 30, 0, TimeSpan.Zero), cost: 2m),
            LedgerTestData.Record("c", new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero), cost: 4m),
        ], Ct);

        var berlin = await store.QueryAsync(new LedgerQuery { Bucket = TimeBucket.Day, TimeZone = Berlin }, Ct);
        var utc = await store.QueryAsync(new LedgerQuery { Bucket = TimeBucket.Day }, Ct);

        Assert.Equal(["2026-11-21", "2026-11-22"], berlin.Groups.Select(g => g.BucketLabel!));
        Assert.Equal([1m, 6m], berlin.Groups.Select(g => g.Metrics.Cost));
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.FromHours(1)), berlin.Groups[1].BucketStart);
        Assert.Equal([3m, 4m], utc.Groups.Select(g => g.Metrics.Cost));
    }

    [Fact]
    public async Task QueryAsync_WeekAndMonthBuckets_UseIsoWeeksAndLocalMonths()
    {
        await using var store = await CreateStoreAsync();
        await store.AppendAsync(
        [
            // Sunday 2026-11-29 23:30 in Berlin is still ISO week 48 and November.
            LedgerTestData.Record("a", new DateTimeOffset(2026, 11, 29, 22, 30, 0, TimeSpan.Zero), cost: 1m),
            // Monday 2026-11-30 00:30 in Berlin: week 49.
            LedgerTestData.Record("b", new DateTimeOffset(2026, 11, 29, 23, 30, 0, TimeSpan.Zero), cost: 2m),
            // 2026-11-30 23:30Z is 00:30 on 1 December in Berlin.
            LedgerTestData.Record("c", new DateTimeOffset(2026, 11, 30, 23, 30, 0, TimeSpan.Zero), cost: 4m),
        ], Ct);

        var weeks = await store.QueryAsync(new LedgerQuery { Bucket = TimeBucket.Week, TimeZone = Berlin }, Ct);
        var months = await store.QueryAsync(new LedgerQuery { Bucket = TimeBucket.Month, TimeZone = Berlin }, Ct);

        Assert.Equal(["2026-W48", "2026-W49"], weeks.Groups.Select(g => g.BucketLabel!));
        Assert.Equal([1m, 6m], weeks.Groups.Select(g => g.Metrics.Cost));
        Assert.Equal(["2026-11", "2026-12"], months.Groups.Select(g => g.BucketLabel!));
        Assert.Equal([3m, 4m], months.Groups.Select(g => g.Metrics.Cost));
    }

    [Fact]
    public async Task QueryAsync_HourlySeriesByModel_IsOrderedByTimeThenKey()
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(300);
        await store.AppendAsync(records, Ct);

        var report = await store.QueryAsync(new LedgerQuery { Bucket = TimeBucket.Hour, GroupBy = LedgerDimension.Model }, Ct);

        var expected = records
            .GroupBy(r => (Hour: new DateTimeOffset(r.Timestamp.Year, r.Timestamp.Month, r.Timestamp.Day, r.Timestamp.Hour, 0, 0, TimeSpan.Zero), r.Model))
            .OrderBy(g => g.Key.Hour).ThenBy(g => g.Key.Model, StringComparer.Ordinal)
            .Select(g => (g.Key.Hour, g.Key.Model, LedgerTestData.Sum(g)))
            .ToList();
        Assert.Equal(expected, report.Groups.Select(g => (g.BucketStart!.Value, g.Key!, g.Metrics)).ToList());
    }

    [Fact]
    public async Task QueryAsync_Filters_RestrictToMatchingRecords()
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(500);
        await store.AppendAsync(records, Ct);
        var from = LedgerTestData.Start.AddDays(5);
        var to = LedgerTestData.Start.AddDays(12);
        LedgerFilter[] filters =
        [
            new() { Tenant = "tenant-1" },
            new() { Project = "project-2" },
            new() { User = "user-3" },
            new() { Provider = "anthropic" },
            new() { Model = "gpt-4o-mini" },
            new() { KeyId = "key-4" },
            new() { ApiFlavor = "responses" },
            new() { From = from, To = to },
            new() { From = from, To = to, Provider = "openai", Tenant = "tenant-0" },
            new() { Provider = "nobody" },
        ];

        foreach (var filter in filters)
        {
            var report = await store.QueryAsync(new LedgerQuery { Filter = filter }, Ct);
            Assert.Equal(LedgerTestData.Sum(records.Where(filter.Matches)), report.Total);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)] // batches large enough that a store may sum rollups in parallel with the insert
    public async Task AppendAsync_BatchMixingStoredAndNewKeys_RollsUpOnlyTheNew(int scale)
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(400 * scale);
        await store.AppendAsync(records[..(250 * scale)], Ct);

        // A re-send of stored records (one of them twice, changed) with new ones, in one batch.
        var batch = records[(150 * scale)..].Append(records[200 * scale] with { TotalCost = 99m }).ToList();
        var result = await store.AppendAsync(batch, Ct);

        Assert.Equal(new LedgerAppendResult(150 * scale, (100 * scale) + 1), result);
        var byUser = await store.QueryAsync(new LedgerQuery { GroupBy = LedgerDimension.User, Bucket = TimeBucket.Day }, Ct);
        Assert.Equal(LedgerTestData.Sum(records), byUser.Total);
        Assert.Equal(LedgerTestData.Sum(records), (await store.QueryAsync(new LedgerQuery(), Ct)).Total);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(TimeBucket.Day)]
    [InlineData(TimeBucket.Week)]
    [InlineData(TimeBucket.Month)]
    [InlineData(TimeBucket.Hour)]
    public async Task QueryAsync_FilteredRangeWithPartialDays_MatchesTheExportExactly(TimeBucket? bucket)
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(800);
        await AppendInBatches(store, records, 113);
        var from = LedgerTestData.Start.AddDays(2).AddHours(5).AddMinutes(30);
        var to = LedgerTestData.Start.AddDays(31).AddHours(7).AddMinutes(1);
        LedgerFilter[] filters =
        [
            new() { From = from, To = to, Tenant = "tenant-1" },
            new() { From = from, Project = "project-2" },
            new() { To = to, User = "user-3" },
            new() { From = LedgerTestData.Start.AddDays(3), To = LedgerTestData.Start.AddDays(10), KeyId = "key-4" },
            new() { From = from, To = from.AddHours(20), Tenant = "tenant-0" },
            new() { Tenant = "tenant-0" },
        ];

        foreach (var filter in filters)
        {
            var report = await store.QueryAsync(new LedgerQuery { Filter = filter, GroupBy = LedgerDimension.User, Bucket = bucket }, Ct);

            // Reports count exactly the records the export returns (exact timestamps, not whole hours).
            var matching = records.Where(filter.Matches).ToList();
            Assert.Equal(LedgerTestData.Sum(matching), report.Total);
            var expected = matching.GroupBy(r => (Bucket: BucketLabel(r, bucket), r.User))
                .OrderBy(g => bucket is null ? "" : g.Key.Bucket, StringComparer.Ordinal).ThenBy(g => g.Key.User, StringComparer.Ordinal)
                .Select(g => (g.Key.Bucket, g.Key.User, LedgerTestData.Sum(g))).ToList();
            var actual = report.Groups.Select(g => (g.BucketLabel, g.Key, g.Metrics))
                .OrderBy(g => g.BucketLabel ?? "", StringComparer.Ordinal).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
            Assert.Equal(expected, actual);
        }
    }

    private static DateTimeOffset HourStart(UsageRecord r) =>
        new(r.Timestamp.Year, r.Timestamp.Month, r.Timestamp.Day, r.Timestamp.Hour, 0, 0, TimeSpan.Zero);

    private static string? BucketLabel(UsageRecord r, TimeBucket? bucket) => bucket switch
    {
        null => null,
        TimeBucket.Hour => HourStart(r).ToString("yyyy-MM-dd'T'HH:mmzzz", System.Globalization.CultureInfo.InvariantCulture),
        TimeBucket.Day => r.Timestamp.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        TimeBucket.Week => $"{System.Globalization.ISOWeek.GetYear(r.Timestamp.UtcDateTime):D4}-W{System.Globalization.ISOWeek.GetWeekOfYear(r.Timestamp.UtcDateTime):D2}",
        _ => r.Timestamp.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task QueryAsync_Top_ReturnsTheMostExpensiveGroups()
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(400);
        await store.AppendAsync(records, Ct);

        var report = await store.QueryAsync(new LedgerQuery { GroupBy = LedgerDimension.User, Top = 2 }, Ct);

        var expected = records.GroupBy(r => r.User!).Select(g => (g.Key, LedgerTestData.Sum(g).CostNanos))
            .OrderByDescending(x => x.CostNanos).Take(2).ToList();
        Assert.Equal(expected, report.Groups.Select(g => (g.Key!, g.Metrics.CostNanos)).ToList());
        Assert.Equal(LedgerTestData.Sum(records), report.Total);
    }

    [Fact]
    public async Task ReadAsync_WithFilter_StreamsMatchingRecordsInTimeOrder()
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(300);
        await AppendInBatches(store, records, 50);
        var filter = new LedgerFilter { From = LedgerTestData.Start.AddDays(3), To = LedgerTestData.Start.AddDays(20), Tenant = "tenant-0" };

        var read = new List<UsageRecord>();
        await foreach (var record in store.ReadAsync(filter, Ct))
        {
            read.Add(record);
        }

        var expected = records.Where(filter.Matches).OrderBy(r => r, LedgerRecordOrder.Instance).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, read);
    }

    [Fact]
    public async Task ScanAsync_WithFilter_ReturnsWhatAggregatesReadOfEveryMatchingRecord()
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(300).ToList();
        var usage = new Usage { InputTokens = 1000, CacheReadTokens = 200, CacheWriteTokens = 50, OutputTokens = 300, ReasoningTokens = 120 };
        usage.Set(UsageUnit.WebSearches, 2);
        records.Add(new UsageRecord
        {
            // Names a scan must not take apart: separators, quotes, a surrogate pair, no optional dimension at all.
            RequestId = "odd",
            Timestamp = LedgerTestData.Start.AddDays(5),
            Provider = "prov:7:x",
            Model = "model-😀-'\u001f'",
            Tenant = "tenant-0",
            Tags = new Dictionary<string, string> { ["feature"] = "a,b:c", ["emoji"] = "😀" },
            Usage = usage,
            InputCost = 0.000123456m,
            OutputCost = 1.5m,
            TotalCost = 1.500123456m,
            LatencyMs = 1234,
            Success = false,
            ErrorClass = "cut_off",
            Estimated = true,
            Unpriced = true,
            SessionId = "s-1",
            PriceSource = "genai-prices",
            RequestFingerprint = new string('a', 64),
            PrefixFingerprint = new string('b', 64),
            PrefixTokens = 1024,
        });
        await AppendInBatches(store, records, 50);
        var filter = new LedgerFilter { From = LedgerTestData.Start.AddDays(3), To = LedgerTestData.Start.AddDays(20), Tenant = "tenant-0" };

        var scanned = new List<UsageRecord>();
        await foreach (var record in store.ScanAsync(filter, Ct))
        {
            scanned.Add(record);
        }

        var expected = records.Where(filter.Matches).Select(WhatScansRead)
            .OrderBy(r => r.Key.RequestId, StringComparer.Ordinal).ThenBy(r => r.Attempt).ToList();
        Assert.True(expected.Count > 10);
        Assert.Contains(expected, r => r.Provider == "prov:7:x");
        var actual = scanned.Select(WhatScansRead).OrderBy(r => r.Key.RequestId, StringComparer.Ordinal).ThenBy(r => r.Attempt).ToList();
        Assert.Equal(expected, actual);
    }

    /// <summary>A record without what a scan may leave out (what only exports read).</summary>
    private static UsageRecord WhatScansRead(UsageRecord r) => r with
    {
        SessionId = null, ErrorClass = null, PriceSource = null,
    };

    [Fact]
    public async Task PurgeRawBeforeAsync_RemovesOldRecordsButReportsStay()
    {
        await using var store = await CreateStoreAsync();
        var records = LedgerTestData.Many(300);
        await store.AppendAsync(records, Ct);
        var before = await store.QueryAsync(new LedgerQuery { GroupBy = LedgerDimension.Model, Bucket = TimeBucket.Day }, Ct);
        var cutoff = LedgerTestData.Start.AddDays(20);
        Assert.Null(await store.GetRetentionCutoffAsync(Ct));

        var removed = await store.PurgeRawBeforeAsync(cutoff, Ct);
        await store.PurgeRawBeforeAsync(cutoff.AddDays(-5), Ct); // a cutoff never moves back
        var replay = await store.AppendAsync(records, Ct);

        Assert.Equal(cutoff, await store.GetRetentionCutoffAsync(Ct));

        Assert.Equal(records.Count(r => r.Timestamp < cutoff), removed);
        Assert.Equal(removed, replay.Expired);
        Assert.Equal(records.Count - removed, replay.Duplicates);
        Assert.Null(await store.FindAsync(records.First(r => r.Timestamp < cutoff).Key, Ct));
        Assert.NotNull(await store.FindAsync(records.First(r => r.Timestamp >= cutoff).Key, Ct));
        var after = await store.QueryAsync(new LedgerQuery { GroupBy = LedgerDimension.Model, Bucket = TimeBucket.Day }, Ct);
        Assert.Equal(before.Total, after.Total);
        Assert.Equal(before.Groups, after.Groups);
        var remaining = 0;
        await foreach (var _ in store.ReadAsync(LedgerFilter.All, Ct))
        {
            remaining++;
        }

        Assert.Equal(records.Count - removed, remaining);
    }

    [Fact]
    public async Task LedgerSession_RecordsWrittenInside_AreTaggedAndTotalled()
    {
        await using var store = await CreateStoreAsync();
        await using var writer = new LedgerWriter(store, new LedgerWriterOptions { MaxBatchSize = 3 });
        await writer.AppendAsync(LedgerTestData.Record("outside", LedgerTestData.Start, cost: 100m, user: null, tenant: null), Ct);
        string sessionId;
        using (var session = LedgerSession.Begin(user: "bob", tenant: "acme", tags: new Dictionary<string, string> { ["agent"] = "planner" }))
        {
            sessionId = session.Id;
            await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
                writer.AppendAsync(LedgerTestData.Record($"in-{i}", LedgerTestData.Start.AddMinutes(i), cost: 0.25m, user: null, tenant: null), Ct).AsTask()));

            var totals = await session.GetTotalsAsync(store, Ct);
            Assert.Equal(5, totals.Requests);
            Assert.Equal(1.25m, totals.Cost);
        }

        Assert.Null(LedgerSession.Current);
        var tagged = await store.FindAsync(new LedgerKey("in-3", 1), Ct);
        Assert.Equal(sessionId, tagged!.SessionId);
        Assert.Equal("bob", tagged.User);
        Assert.Equal("acme", tagged.Tenant);
        Assert.Equal("planner", tagged.Tags["agent"]);
        Assert.Null((await store.FindAsync(new LedgerKey("outside", 1), Ct))!.SessionId);
        var byUser = await store.QueryAsync(new LedgerQuery { Filter = new LedgerFilter { User = "bob" } }, Ct);
        Assert.Equal(1.25m, byUser.Total.Cost);
    }

    [Fact]
    public async Task QueryAsync_SessionByDayAndModelWithinRange_SumsOnlyThatSessionsMatchingRecords()
    {
        await using var store = await CreateStoreAsync();
        var day1 = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
        UsageRecord InSession(string id, DateTimeOffset at, string model, decimal cost, string? user = "u1") =>
            LedgerTestData.Record(id, at, model: model, cost: cost, user: user) with { SessionId = "s-report" };
        await store.AppendAsync(
        [
            InSession("a", day1, "gpt-4o", 1m),
            InSession("b", day1.AddHours(1), "gpt-4o-mini", 2m),
            InSession("c", day1.AddDays(1), "gpt-4o", 4m),
            InSession("d", day1.AddDays(1), "gpt-4o", 8m, user: "u2"),   // another user: filtered out
            InSession("e", day1.AddDays(3), "gpt-4o", 16m),              // after the range
            LedgerTestData.Record("f", day1, cost: 32m),                 // no session
        ], Ct);

        var report = await store.QueryAsync(new LedgerQuery
        {
            Filter = new LedgerFilter { SessionId = "s-report", User = "u1", From = day1, To = day1.AddDays(2) },
            Bucket = TimeBucket.Day,
            GroupBy = LedgerDimension.Model,
        }, Ct);

        Assert.Equal(7m, report.Total.Cost);
        Assert.Equal(
            ["2026-11-21 gpt-4o 1", "2026-11-21 gpt-4o-mini 2", "2026-11-22 gpt-4o 4"],
            report.Groups.Select(g => $"{g.BucketLabel} {g.Key} {g.Metrics.Cost:0.##}").Order(StringComparer.Ordinal));
    }

    private static async Task AppendInBatches(ILedgerStore store, List<UsageRecord> records, int size)
    {
        foreach (var chunk in records.Chunk(size))
        {
            await store.AppendAsync(chunk, Ct);
        }
    }

    private static string? KeyOf(UsageRecord r, LedgerDimension d) => d switch
    {
        LedgerDimension.Provider => r.Provider,
        LedgerDimension.Model => r.Model,
        LedgerDimension.Project => r.Project,
        LedgerDimension.User => r.User,
        LedgerDimension.Tenant => r.Tenant,
        LedgerDimension.Key => r.KeyId,
        _ => r.ApiFlavor,
    };
}
