using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Savings;
using Xunit;

namespace Tollgate.Tests.Savings;

public sealed class BudgetAdjustmentsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 15, 0, 0, TimeSpan.Zero);

    private static UsageRecord Spend(string id, string tenant, DateTimeOffset at, decimal cost) => new()
    {
        RequestId = id,
        Timestamp = at,
        Provider = "openai",
        Model = "gpt-4o",
        Tenant = tenant,
        Usage = new Usage { InputTokens = 10, OutputTokens = 5 },
        TotalCost = cost,
    };

    private static Budget Daily(string id, string tenant, decimal limit) => new()
    {
        Id = id,
        Scope = new BudgetScope { Tenant = tenant },
        Period = BudgetPeriod.Daily,
        Limit = limit,
        CreatedAt = Now.AddDays(-30),
    };

    [Fact]
    public async Task FindAsync_UnderUsedAndExhaustedBudgets_SuggestLimitsFromTheLastThreeWindows()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new InMemoryLedgerStore();
        var records = new List<UsageRecord>();
        for (var day = 1; day <= 3; day++)
        {
            var at = Now.Date.AddDays(-day).AddHours(12);
            records.Add(Spend($"u{day}", "under", new DateTimeOffset(at, TimeSpan.Zero), 1m));           // 1 of 10 each day
            records.Add(Spend($"t{day}", "tight", new DateTimeOffset(at, TimeSpan.Zero), day == 1 ? 2.5m : 1.5m)); // 2.5 ≥ 2 yesterday
            records.Add(Spend($"f{day}", "fine", new DateTimeOffset(at, TimeSpan.Zero), 2m));            // 2 of 3: fits
        }

        records.Add(Spend("today", "under", Now, 50m)); // the current window is not judged
        await ledger.AppendAsync(records, ct);
        Budget[] budgets = [Daily("under", "under", 10m), Daily("tight", "tight", 2m), Daily("fine", "fine", 3m), Daily("new", "under", 10m) with { CreatedAt = Now.AddDays(-1) }];

        var found = await BudgetAdjustments.FindAsync(ledger, budgets, new FixedExchangeRates(new Dictionary<string, decimal>()), Now, ct);

        Assert.Equal(["under", "tight"], found.Select(r => r.Scope["budget"]));
        Assert.All(found, r => Assert.Equal("budget_adjustment", r.Kind));
        Assert.Equal("1.2 USD", found[0].Evidence["suggested_limit"]);   // the largest window (1) + 20 %
        Assert.StartsWith("Lower budget under from 10 to 1.2 USD", found[0].Title, StringComparison.Ordinal);
        Assert.Equal("3 USD", found[1].Evidence["suggested_limit"]);     // 2.5 + 20 %
        Assert.StartsWith("Raise budget tight", found[1].Title, StringComparison.Ordinal);
        Assert.Equal("2.5 USD (125 %)", found[1].Evidence["spent daily:2026-11-19"]);
        Assert.Contains("tollgate budget set --id tight --limit 3", found[1].Action, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindAsync_WeeklyPeakTomorrow_SuggestsTheLimitFromTheForecastNotTheQuietDays()
    {
        // Friday 20 Nov: eight weeks of 1 USD a day and 4 USD on Saturdays. The last three windows (Tue–Thu) used 1 of
        // 10; tomorrow is a Saturday, so the forecast (about 4) sets the limit, not the quiet days (1.2).
        var ct = TestContext.Current.CancellationToken;
        var ledger = new InMemoryLedgerStore();
        var records = Enumerable.Range(1, 56).Select(d =>
        {
            var at = new DateTimeOffset(Now.Date.AddDays(-d).AddHours(12), TimeSpan.Zero);
            return Spend($"w{d}", "weekly", at, at.DayOfWeek == DayOfWeek.Saturday ? 4m : 1m);
        }).ToList();
        await ledger.AppendAsync(records, ct);

        var found = await BudgetAdjustments.FindAsync(ledger, [Daily("weekly", "weekly", 10m) with { CreatedAt = Now.AddDays(-60) }], new FixedExchangeRates(new Dictionary<string, decimal>()), Now, ct);

        var adjustment = Assert.Single(found);
        var suggested = decimal.Parse(adjustment.Evidence["suggested_limit"].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(suggested, 4.4m, 5.3m);
        Assert.Equal("the next window's forecast median + 20 %", adjustment.Evidence["suggested_from"]);
        Assert.StartsWith("Lower budget weekly from 10", adjustment.Title, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1234, 1300)]
    [InlineData(0.0456, 0.046)]
    [InlineData(1.2, 1.2)]
    [InlineData(99.1, 100)]
    public void RoundUp_TwoSignificantDigits(decimal value, decimal expected) => Assert.Equal(expected, BudgetAdjustments.RoundUp(value));
}
