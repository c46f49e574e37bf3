using Tollgate.Budgets;

namespace Tollgate.Tests.Budgets;

public sealed class BudgetWindowsTests
{
    private static Budget Make(BudgetPeriod period, string zone = "UTC") => new() { Id = "b", Limit = 10m, Period = period, TimeZone = zone };

    [Fact]
    public void Current_DailyInUtc_KeyAndNextStart()
    {
        var w = BudgetWindows.Current(Make(BudgetPeriod.Daily), new DateTimeOffset(2026, 11, 22, 13, 5, 0, TimeSpan.Zero));
        Assert.Equal("daily:2026-11-22", w.Key);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero), w.Start);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), w.End);
    }

    [Fact]
    public void Current_DailyInBerlin_LateUtcEveningIsNextLocalDay()
    {
        var w = BudgetWindows.Current(Make(BudgetPeriod.Daily, "Europe/Berlin"), new DateTimeOffset(2026, 11, 22, 23, 30, 0, TimeSpan.Zero));
        Assert.Equal("daily:2026-11-23", w.Key);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 23, 0, 0, TimeSpan.Zero), w.Start);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 23, 0, 0, TimeSpan.Zero), w.End);
    }

    [Fact]
    public void Current_DailyAcrossDstSpringForward_DayIs23Hours()
    {
        // 2026-03-29: Berlin goes from +01:00 to +02:00.
        var w = BudgetWindows.Current(Make(BudgetPeriod.Daily, "Europe/Berlin"), new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal("daily:2026-03-29", w.Key);
        Assert.Equal(TimeSpan.FromHours(23), w.End!.Value - w.Start!.Value);
    }

    [Fact]
    public void Current_WeeklyOnSunday_StartsPreviousMonday()
    {
        var w = BudgetWindows.Current(Make(BudgetPeriod.Weekly), new DateTimeOffset(2026, 11, 22, 23, 59, 59, TimeSpan.Zero));
        Assert.Equal("weekly:2026-11-16", w.Key);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), w.End);
    }

    [Fact]
    public void Current_MonthlyInNewYork_FirstOfMonthLocal()
    {
        var w = BudgetWindows.Current(Make(BudgetPeriod.Monthly, "America/New_York"), new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero));
        Assert.Equal("monthly:2026-11", w.Key); // still 22:00 on Nov 30 in New York
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 5, 0, 0, TimeSpan.Zero), w.End);
    }

    [Fact]
    public void Current_HourlyAndLifetime_Keys()
    {
        var now = new DateTimeOffset(2026, 11, 22, 13, 5, 0, TimeSpan.Zero);
        Assert.Equal("hourly:2026-11-22T13", BudgetWindows.Current(Make(BudgetPeriod.Hourly), now).Key);
        var life = BudgetWindows.Current(Make(BudgetPeriod.Lifetime), now);
        Assert.Equal("lifetime", life.Key);
        Assert.Null(life.End);
    }

    [Fact]
    public void Current_Rolling7Days_CountsSixEarlierDayBuckets()
    {
        var w = BudgetWindows.Current(Make(BudgetPeriod.RollingDays(7)), new DateTimeOffset(2026, 11, 22, 13, 0, 0, TimeSpan.Zero));
        Assert.Equal("day:2026-11-22", w.Key);
        Assert.Equal(["day:2026-11-21", "day:2026-11-20", "day:2026-11-19", "day:2026-11-18", "day:2026-11-17", "day:2026-11-16"], w.PastKeys);
        Assert.Equal(new DateTimeOffset(2026, 11, 16, 0, 0, 0, TimeSpan.Zero), w.Start);
    }

    [Theory]
    [InlineData("daily", "daily")]
    [InlineData("rolling:7d", "rolling:7d")]
    [InlineData("ROLLING:24h", "rolling:24h")]
    [InlineData("lifetime", "lifetime")]
    public void TryParse_ValidPeriod_RoundTrips(string text, string expected)
    {
        Assert.True(BudgetPeriod.TryParse(text, out var p, out _));
        Assert.Equal(expected, p!.ToString());
    }

    [Theory]
    [InlineData("yearly")]
    [InlineData("rolling:0d")]
    [InlineData("rolling:7w")]
    [InlineData("")]
    public void TryParse_BadPeriod_ErrorSaysWhatToUse(string text)
    {
        Assert.False(BudgetPeriod.TryParse(text, out _, out var error));
        Assert.Contains("rolling:Nd", error);
    }

    [Fact]
    public void ScopeTryParse_Combination_MatchesOnlyThatSubject()
    {
        Assert.True(BudgetScope.TryParse("tenant:acme,model:gpt-4o", out var scope, out _));
        Assert.Equal("tenant:acme,model:gpt-4o", scope!.ToString());
        Assert.True(scope.Matches(new BudgetSubject { Tenant = "acme", Model = "gpt-4o", User = "u" }));
        Assert.False(scope.Matches(new BudgetSubject { Tenant = "acme", Model = "gpt-4o-mini" }));
        Assert.False(scope.Matches(new BudgetSubject { Model = "gpt-4o" }));
        Assert.False(BudgetScope.TryParse("team:x", out _, out var error));
        Assert.Contains("tenant", error);
    }
}
