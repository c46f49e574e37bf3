using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Tollgate.Alerts;
using Tollgate.Budgets;
using Tollgate.Cli;
using Tollgate.Cli.Commands;
using Tollgate.Sqlite.Budgets;

namespace Tollgate.Cli.Tests.Budgets;

public sealed class BudgetCommandsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tg-cli-budgets-" + Guid.NewGuid().ToString("N")[..8]);

    private string Db => Path.Combine(_dir, "t.db");

    private string Store => "sqlite:" + Db;

    public BudgetCommandsTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliApp.RunAsync(args, new CliConsole(TextReader.Null, output, error), TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Set_ThenListJson_BudgetStoredWithAllOptions()
    {
        var (code, output, _) = await RunAsync("budget", "set", "--scope", "tenant:acme,model:gpt-4o", "--limit", "100", "--period", "rolling:7d", "--enforcement", "adaptive",
            "--thresholds", "0.9,0.5", "--per-request", "0.10", "--time-zone", "Europe/Berlin", "--store", Store);
        Assert.Equal(0, code);
        Assert.Contains("created budget tenant-acme-model-gpt-4o-rolling-7d", output);

        (code, output, _) = await RunAsync("budget", "list", "--json", "--store", Store);
        Assert.Equal(0, code);
        var budget = Assert.Single(JsonSerializer.Deserialize<List<Budget>>(output, BudgetJson.Options)!);
        Assert.Equal(new BudgetScope { Tenant = "acme", Model = "gpt-4o" }, budget.Scope);
        Assert.Equal(BudgetPeriod.RollingDays(7), budget.Period);
        Assert.Equal(BudgetEnforcement.Adaptive, budget.Enforcement);
        Assert.Equal([0.5m, 0.9m], budget.Thresholds);
        Assert.Equal(0.10m, budget.PerRequestLimit);
        Assert.Equal("Europe/Berlin", budget.TimeZone);
    }

    [Theory]
    [InlineData("--scope", "team:x", "--limit", "5", "--period", "daily", "--enforcement", "hard", "scope")]
    [InlineData("--scope", "global", "--limit", "abc", "--period", "daily", "--enforcement", "hard", "--limit")]
    [InlineData("--scope", "global", "--limit", "5", "--period", "yearly", "--enforcement", "hard", "--period")]
    [InlineData("--scope", "global", "--limit", "5", "--period", "daily", "--enforcement", "strict", "--enforcement")]
    [InlineData("--scope", "global", "--limit", "5", "--period", "daily", "--enforcement", "hard", "--currency", "EUR", "exchange rate")]
    [InlineData("--scope", "global", "--limit", "5", "--period", "lifetime", "--enforcement", "hard", "--rollover", "calendar period")]
    [InlineData("--scope", "global", "--limit", "5", "--period", "daily", "--enforcement", "hard", "--time-zone", "Mars/Olympus", "time zone")]
    [InlineData("--scope", "global", "--limit", "5", "--period", "daily", "--enforcement", "hard", "--thresholds", "0.5,x", "--thresholds")]
    [InlineData("--scope", "global", "--preset", "gold", "--preset")]
    public async Task Set_BadInput_ClearErrorExitOneNothingStored(params string[] argsAndExpected)
    {
        var args = new[] { "budget", "set" }.Concat(argsAndExpected[..^1]).Concat(["--store", Store]).ToArray();
        var (code, _, err) = await RunAsync(args);
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains(argsAndExpected[^1], err);
        Assert.DoesNotContain("   at ", err);
        // Nothing stored; and when the failed command did not even create the store, listing says so instead of "[]".
        var (listCode, list, listError) = await RunAsync("budget", "list", "--json", "--store", Store);
        if (File.Exists(Db))
        {
            Assert.Equal("[]", list.Trim());
        }
        else
        {
            Assert.Equal(1, listCode);
            Assert.Contains("no Tollgate store at", listError);
        }
    }

    [Fact]
    public async Task Set_EuroWithRatesInConfig_Stored()
    {
        var config = Path.Combine(_dir, "tollgate.json");
        await File.WriteAllTextAsync(config, """{"budgets": {"exchange_rates": {"EUR": 0.92}}}""", TestContext.Current.CancellationToken);
        var (code, output, err) = await RunAsync("budget", "set", "--scope", "global", "--limit", "50", "--currency", "eur", "--period", "monthly", "--enforcement", "hard", "--store", Store, "--config", config);
        Assert.True(code == 0, err);
        Assert.Contains("50 EUR monthly", output);
    }

    [Fact]
    public async Task Status_AfterSpending_ShowsSpentHeldRemainingResetAndDaysLeft()
    {
        Assert.Equal(0, (await RunAsync("budget", "set", "--scope", "global", "--limit", "10", "--period", "lifetime", "--enforcement", "hard", "--id", "g", "--store", Store)).Code);
        var store = await SqliteBudgetStore.OpenAsync(Db, TestContext.Current.CancellationToken);
        var gate = new BudgetGate(store, store);
        var d = await gate.ReserveAsync(new BudgetSubject(), 4m, "r1", cancellationToken: TestContext.Current.CancellationToken);
        await gate.SettleAsync(d.Reservation!, 2.5m, TestContext.Current.CancellationToken);
        await gate.ReserveAsync(new BudgetSubject(), 1m, "r2", cancellationToken: TestContext.Current.CancellationToken); // stays held

        var (code, output, _) = await RunAsync("budget", "status", "--json", "--store", Store);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var b = doc.RootElement.GetProperty("budgets")[0];
        Assert.Equal("g", b.GetProperty("id").GetString());
        Assert.Equal(2.5m, b.GetProperty("spent").GetDecimal());
        Assert.Equal(1m, b.GetProperty("held").GetDecimal());
        Assert.Equal(6.5m, b.GetProperty("remaining").GetDecimal());
        Assert.Equal("lifetime", b.GetProperty("window").GetString());

        (code, output, _) = await RunAsync("budget", "status", "--store", Store);
        Assert.Equal(0, code);
        Assert.Contains("never", output);
    }

    [Fact]
    public async Task Status_DailyBudgetWithSpend_DaysUntilExhaustedIsComputed()
    {
        Assert.Equal(0, (await RunAsync("budget", "set", "--scope", "global", "--limit", "10", "--period", "monthly", "--enforcement", "hard", "--id", "m", "--store", Store)).Code);
        var store = await SqliteBudgetStore.OpenAsync(Db, TestContext.Current.CancellationToken);
        var window = BudgetWindows.Current(new Budget { Id = "m", Limit = 10m }, TimeProvider.System.GetUtcNow());
        await store.SetSpentAsync("m", window.Key, 1_000_000_000, TestContext.Current.CancellationToken);
        var (_, output, _) = await RunAsync("budget", "status", "--json", "--store", Store);
        using var doc = JsonDocument.Parse(output);
        var b = doc.RootElement.GetProperty("budgets")[0];
        Assert.Equal(1m, b.GetProperty("spent").GetDecimal());
        Assert.True(b.GetProperty("days_until_exhausted").GetDecimal() > 0);
        Assert.Equal(window.End, b.GetProperty("resets_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Status_SeededLedgerAtKnownRate_RunOutPercentilesProjected()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(0, (await RunAsync("budget", "set", "--scope", "tenant:acme", "--limit", "100", "--period", "lifetime", "--enforcement", "hard", "--id", "acme", "--store", Store)).Code);
        var now = TimeProvider.System.GetUtcNow();
        var hour = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);
        await using (var ledger = new Tollgate.Sqlite.Ledger.SqliteLedgerStore(Tollgate.Hosting.TollgateStores.LedgerPathBeside(Db)))
        {
            // Two weeks at exactly $2 an hour for acme, and a big spender elsewhere that must not count.
            var records = Enumerable.Range(1, 14 * 24).SelectMany(h => new[]
            {
                Record($"a{h}", hour.AddHours(-h).AddMinutes(10), "acme", 2m),
                Record($"o{h}", hour.AddHours(-h).AddMinutes(20), "other", 40m),
            }).ToList();
            await ledger.AppendAsync(records, ct);
        }

        var store = await SqliteBudgetStore.OpenAsync(Db, ct);
        var window = BudgetWindows.Current(new Budget { Id = "acme", Limit = 100m, Period = BudgetPeriod.Lifetime }, now);
        await store.SetSpentAsync("acme", window.Key, 40_000_000_000, ct);

        var (code, output, err) = await RunAsync("budget", "status", "--json", "--store", Store);

        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var runOut = doc.RootElement.GetProperty("budgets")[0].GetProperty("run_out");
        var expected = now.AddHours(30); // $60 left at $2 an hour
        foreach (var p in new[] { "p10", "p50", "p90" })
        {
            Assert.InRange(runOut.GetProperty(p).GetDateTimeOffset(), expected.AddMinutes(-2), expected.AddMinutes(2));
        }

        Assert.Equal(1.0, runOut.GetProperty("probability_before_reset").GetDouble());
        (code, output, _) = await RunAsync("budget", "status", "--store", Store);
        Assert.Equal(0, code);
        Assert.Contains("RUN-OUT P10 / P50 / P90 (UTC)", output);
        Assert.Contains(expected.UtcDateTime.ToString("MM-dd HH:", System.Globalization.CultureInfo.InvariantCulture), output);
    }

    private static Tollgate.Ledger.UsageRecord Record(string id, DateTimeOffset at, string tenant, decimal cost) => new()
    {
        RequestId = id,
        Timestamp = at,
        Provider = "openai",
        Model = "gpt-4o",
        Tenant = tenant,
        Usage = new Tollgate.Costing.Usage { InputTokens = 10, OutputTokens = 10 },
        InputCost = cost / 2,
        OutputCost = cost / 2,
        TotalCost = cost,
    };

    [Fact]
    public async Task DeleteAndResetEmergency_Work()
    {
        await RunAsync("budget", "set", "--scope", "global", "--limit", "10", "--period", "daily", "--enforcement", "hard", "--id", "g", "--store", Store);
        var store = await SqliteBudgetStore.OpenAsync(Db, TestContext.Current.CancellationToken);
        await store.TryStartEmergencyAsync(new EmergencyState("g", DateTimeOffset.UnixEpoch, "test"), TestContext.Current.CancellationToken);
        var (code, output, _) = await RunAsync("budget", "reset-emergency", "--store", Store);
        Assert.Equal(0, code);
        Assert.Contains("emergency mode ended", output);
        Assert.Null(await store.GetEmergencyAsync(TestContext.Current.CancellationToken));

        Assert.Equal(0, (await RunAsync("budget", "delete", "g", "--store", Store)).Code);
        var (missing, _, err) = await RunAsync("budget", "delete", "g", "--store", Store);
        Assert.Equal(1, missing);
        Assert.Contains("no budget 'g'", err);
    }

    [Fact]
    public async Task Alerts_HistoryInStore_ListedForLastHours()
    {
        var store = await SqliteBudgetStore.OpenAsync(Db, TestContext.Current.CancellationToken);
        var now = TimeProvider.System.GetUtcNow();
        await store.AppendAsync(new Alert { At = now.AddHours(-2), Severity = AlertSeverity.Warning, Kind = "budget_threshold", BudgetId = "g", WindowKey = "daily:x", Message = "recent one" }, TestContext.Current.CancellationToken);
        await store.AppendAsync(new Alert { At = now.AddHours(-30), Severity = AlertSeverity.Info, Kind = "budget_threshold", BudgetId = "g", Message = "old one" }, TestContext.Current.CancellationToken);

        var (code, output, _) = await RunAsync("alerts", "--store", Store);
        Assert.Equal(0, code);
        Assert.Contains("recent one", output);
        Assert.DoesNotContain("old one", output);

        (code, output, _) = await RunAsync("alerts", "--hours", "48", "--json", "--store", Store);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(2, doc.RootElement.GetArrayLength());
        Assert.Equal("WARNING", doc.RootElement[0].GetProperty("severity").GetString());

        Assert.Equal(1, (await RunAsync("alerts", "--hours", "0", "--store", Store)).Code);
    }

    [Fact]
    public async Task ProvidersBudget_Shorthand_SetsGlobalMonthlyHardBudget()
    {
        var output = new StringWriter();
        var console = new CliConsole(TextReader.Null, output, new StringWriter());
        var providers = new Command("providers");
        providers.Subcommands.Add(BudgetCommands.CreateProvidersBudgetCommand(console));
        var root = new RootCommand { Subcommands = { providers } };
        var code = await root.Parse(["providers", "budget", "100.0", "--store", Store]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, code);
        var store = await SqliteBudgetStore.OpenAsync(Db, TestContext.Current.CancellationToken);
        var budget = await store.GetAsync("global", TestContext.Current.CancellationToken);
        Assert.Equal(100.0m, budget!.Limit);
        Assert.True(budget.Scope.IsGlobal);
        Assert.Equal(BudgetEnforcement.Hard, budget.Enforcement);
        Assert.Equal(BudgetPeriod.Monthly, budget.Period);
    }

    [Fact]
    public async Task RealBinary_SetAndList_Works()
    {
        var binary = FindBinary();
        var set = await RunProcessAsync(binary, "budget", "set", "--scope", "user:alice", "--limit", "12.5", "--period", "weekly", "--enforcement", "soft", "--store", Store);
        Assert.True(set.Code == 0, set.Err);
        Assert.Contains("created budget user-alice-weekly", set.Out);
        var bad = await RunProcessAsync(binary, "budget", "set", "--scope", "global", "--limit", "1", "--period", "daily", "--enforcement", "nope", "--store", Store);
        Assert.Equal(1, bad.Code);
        Assert.StartsWith("error: --enforcement 'nope'", bad.Err);
        var list = await RunProcessAsync(binary, "budget", "list", "--store", Store);
        Assert.Equal(0, list.Code);
        Assert.Contains("user-alice-weekly", list.Out);
        Assert.Contains("12.5 USD", list.Out);
    }

    private static string FindBinary()
    {
        // The app host is copied as "tollgate" into the CLI project's own output directory.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        var config = dir.Parent!.Name; // net10.0 → Release/Debug
        for (var d = dir; d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "src", "Tollgate.Cli", "bin", dir.Parent.Name, dir.Name, "tollgate");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var local = Path.Combine(AppContext.BaseDirectory, "Tollgate.Cli");
        return File.Exists(local) ? local : throw new InvalidOperationException($"tollgate binary not found (built {config}?)");
    }

    private static async Task<(int Code, string Out, string Err)> RunProcessAsync(string binary, params string[] args)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (p.ExitCode, await stdout, await stderr);
    }
}
