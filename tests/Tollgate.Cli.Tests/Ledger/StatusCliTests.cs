using System.Globalization;
using System.Text.Json;

namespace Tollgate.Cli.Tests.Ledger;

/// <summary><c>tollgate status</c>: spend today and this month against the same point of the previous period, budgets, providers.</summary>
public sealed class StatusCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-status-").FullName;

    private string Store() => "sqlite:" + Path.Combine(_dir, "tollgate.db");

    private static string Line(string id, DateTimeOffset at, decimal cost, string provider = "openai") =>
        $$"""{"request_id":"{{id}}","attempt":1,"timestamp":"{{at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}}","provider":"{{provider}}","model":"gpt-4o","tenant":"acme","input_tokens":10,"output_tokens":5,"cost_usd":"{{cost.ToString(CultureInfo.InvariantCulture)}}","latency_ms":5,"success":true}""";

    [Fact]
    public async Task Status_KolkataDay_TodayAgainstTheSamePointYesterdayAndBudgets()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var now = DateTimeOffset.UtcNow;
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var todayStart = new DateTimeOffset(local.Date, zone.BaseUtcOffset);
        var elapsed = now - todayStart;
        var planted = new List<(string Id, DateTimeOffset At, decimal Cost)>
        {
            ("today", todayStart + (elapsed / 2), 2.00m),
            ("yesterday-before", todayStart.AddDays(-1) + (elapsed / 2), 0.50m),
            ("last-month-start", new DateTimeOffset(local.Year, local.Month, 1, 0, 0, 1, zone.BaseUtcOffset).AddMonths(-1), 0.25m),
        };
        if (elapsed < TimeSpan.FromHours(23.9))
        {
            planted.Add(("yesterday-after", now.AddDays(-1).AddMinutes(5), 8.00m)); // after the same point yesterday: not compared
        }

        var path = Path.Combine(_dir, "records.jsonl");
        await File.WriteAllLinesAsync(path, planted.Select(p => Line(p.Id, p.At, p.Cost)), TestContext.Current.CancellationToken);
        Assert.Equal(0, (await CliRun.RunAsync("import", path, "--store", Store())).ExitCode);
        Assert.Equal(0, (await CliRun.RunAsync("budget", "set", "--scope", "global", "--id", "monthly", "--limit", "100", "--period", "monthly", "--enforcement", "hard", "--store", Store())).ExitCode);

        var run = await CliRun.RunAsync("status", "--tz", "Asia/Kolkata", "--json", "--store", Store());
        var human = await CliRun.RunAsync("status", "--tz", "Asia/Kolkata", "--store", Store());

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        var today = doc.RootElement.GetProperty("spend").GetProperty("today");
        Assert.Equal("2", today.GetProperty("cost").GetString());
        Assert.Equal("0.5", today.GetProperty("previous_cost").GetString());
        Assert.Equal(300m, today.GetProperty("change_percent").GetDecimal());
        var monthStart = new DateTimeOffset(local.Year, local.Month, 1, 0, 0, 0, zone.BaseUtcOffset);
        var month = doc.RootElement.GetProperty("spend").GetProperty("month");
        Assert.Equal(planted.Where(p => p.At >= monthStart).Sum(p => p.Cost), decimal.Parse(month.GetProperty("cost").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(planted.Where(p => p.At < monthStart && p.At >= monthStart.AddMonths(-1) && p.At - monthStart.AddMonths(-1) < now - monthStart).Sum(p => p.Cost),
            decimal.Parse(month.GetProperty("previous_cost").GetString()!, CultureInfo.InvariantCulture));
        var budget = doc.RootElement.GetProperty("budgets")[0];
        Assert.Equal("monthly", budget.GetProperty("id").GetString());
        Assert.Equal("openai", doc.RootElement.GetProperty("providers")[0].GetProperty("name").GetString());
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("+300.00 %", human.Out, StringComparison.Ordinal);
        Assert.Contains("monthly", human.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_MissingStore_IsAnError()
    {
        var run = await CliRun.RunAsync("status", "--store", Store());

        Assert.Equal(1, run.ExitCode);
        Assert.False(File.Exists(Path.Combine(_dir, "tollgate.db")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
