using System.Globalization;
using System.Text.Json;
using Tollgate.Cli.Tests.Ledger;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Sqlite.Ledger;

namespace Tollgate.Cli.Tests.Series;

public sealed class AnomaliesBackfillTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-anomalies-").FullName;

    private string Db => Path.Combine(_dir, "t.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Anomalies_SpikeInOneTenant_ReportedWithBaselineAndRootCause()
    {
        var spike = await SeedAsync();

        var run = await CliRun.RunAsync("anomalies", "--by", "tenant", "--json", "--store", "sqlite:" + Db);

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        var anomalies = doc.RootElement.GetProperty("anomalies").EnumerateArray().ToArray();
        var top = anomalies.MaxBy(a => a.GetProperty("score").GetDouble());
        Assert.Equal("acme", top.GetProperty("key").GetString());
        Assert.Equal(spike, top.GetProperty("hour").GetDateTimeOffset());
        Assert.Equal(20m, decimal.Parse(top.GetProperty("actual").GetString()!, CultureInfo.InvariantCulture));
        Assert.InRange(decimal.Parse(top.GetProperty("expected").GetString()!, CultureInfo.InvariantCulture), 0.8m, 1.2m);
        Assert.DoesNotContain(anomalies, a => a.GetProperty("key").GetString() == "steady");

        var text = await CliRun.RunAsync("anomalies", "--tenant", "acme", "--store", "sqlite:" + Db);
        Assert.Contains(spike.UtcDateTime.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture) + "  (all)", text.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--threshold", "2", "--threshold must be between 0 and 1")]
    [InlineData("--from", "2020-01-01", "must span between one hour and 366 days")]
    public async Task Anomalies_BadOption_ErrorExit1(string option, string value, string message)
    {
        var run = await CliRun.RunAsync("anomalies", option, value, "--store", "sqlite:" + Db);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    private async Task<DateTimeOffset> SeedAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);
        var spike = hour.AddHours(-3 * 24);
        var random = new Random(8);
        await using var ledger = new SqliteLedgerStore(Tollgate.Hosting.TollgateStores.LedgerPathBeside(Db));
        var records = Enumerable.Range(1, 28 * 24).SelectMany(h =>
        {
            var at = hour.AddHours(-h);
            var acme = at == spike ? 20m : Math.Round(0.8m + ((decimal)random.NextDouble() * 0.4m), 4);
            return new[] { Record($"a{h}", at.AddMinutes(5), "acme", acme), Record($"s{h}", at.AddMinutes(15), "steady", 0.5m) };
        }).ToList();
        await ledger.AppendAsync(records, TestContext.Current.CancellationToken);
        return spike;
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
