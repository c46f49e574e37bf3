using System.Globalization;
using System.Text.Json;
using Tollgate.Cli.Tests.Ledger;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Sqlite.Ledger;

namespace Tollgate.Cli.Tests.Series;

public sealed class LedgerForecastCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-forecast-").FullName;

    private string Db => Path.Combine(_dir, "t.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Forecast_ByTenantDays_EachTenantAtItsRate()
    {
        await SeedAsync();

        var run = await CliRun.RunAsync("forecast", "--by", "tenant", "--days", "3", "--json", "--store", "sqlite:" + Db);

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal("day", doc.RootElement.GetProperty("bucket").GetString());
        var groups = doc.RootElement.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!);
        Assert.Equal(["acme", "beta"], groups.Keys.Order());
        var today = DateTime.UtcNow.Date;
        foreach (var (tenant, perDay) in new[] { ("acme", 48m), ("beta", 24m) })
        {
            var points = groups[tenant].GetProperty("points").EnumerateArray().ToArray();
            Assert.Equal(3, points.Length);
            Assert.Equal(today, points[0].GetProperty("start").GetDateTimeOffset().UtcDateTime);
            foreach (var p in points)
            {
                Assert.InRange(decimal.Parse(p.GetProperty("p50").GetString()!, CultureInfo.InvariantCulture), perDay - 0.5m, perDay + 0.5m);
                Assert.True(decimal.Parse(p.GetProperty("lo95").GetString()!, CultureInfo.InvariantCulture) <= decimal.Parse(p.GetProperty("hi95").GetString()!, CultureInfo.InvariantCulture));
            }
        }
    }

    [Fact]
    public async Task Forecast_TenantHours_TableOfHourlyMedians()
    {
        await SeedAsync();

        var run = await CliRun.RunAsync("forecast", "--tenant", "beta", "--hours", "5", "--store", "sqlite:" + Db);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.StartsWith("All spend: ", run.Out, StringComparison.Ordinal);
        Assert.Contains("expected over the next 5 hours", run.Out, StringComparison.Ordinal);
        var rows = run.Out.Split('\n').Where(l => l.StartsWith("  2", StringComparison.Ordinal)).ToArray();
        Assert.Equal(5, rows.Length);
        Assert.All(rows, r => Assert.InRange(decimal.Parse(r.Split("  ", StringSplitOptions.RemoveEmptyEntries)[1].Trim(), CultureInfo.InvariantCulture), 0.95m, 1.05m));
    }

    [Theory]
    [InlineData("--days", "0", "--days must be between 1 and 90, not 0")]
    [InlineData("--hours", "100000", "--hours must be between 1 and 720, not 100000")]
    [InlineData("--horizon", "5", "--horizon goes with --input")]
    public async Task Forecast_BadPeriod_ErrorExit1(string option, string value, string message)
    {
        var run = await CliRun.RunAsync("forecast", option, value, "--store", "sqlite:" + Db);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forecast_DaysAndHours_ErrorExit1()
    {
        var run = await CliRun.RunAsync("forecast", "--days", "2", "--hours", "3", "--store", "sqlite:" + Db);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("either --days N or --hours N", run.Error, StringComparison.Ordinal);
    }

    private async Task SeedAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);
        await using var ledger = new SqliteLedgerStore(Tollgate.Hosting.TollgateStores.LedgerPathBeside(Db));
        var records = Enumerable.Range(1, 21 * 24).SelectMany(h => new[]
        {
            Record($"a{h}", hour.AddHours(-h).AddMinutes(5), "acme", 2m),
            Record($"b{h}", hour.AddHours(-h).AddMinutes(15), "beta", 1m),
        }).ToList();
        await ledger.AppendAsync(records, TestContext.Current.CancellationToken);
    }

    private static UsageRecord Record(string id, DateTimeOffset at, string tenant, decimal cost) => new()
    {
        RequestId = id,
        Timestamp = at,
        Provider = "openai",
        Model = "gpt-4o",
        Tenant = tenant,
        Usage = new Usage { InputTokens = 10, OutputTokens = 10 },
        InputCost = cost / 2,
        OutputCost = cost / 2,
        TotalCost = cost,
    };
}
