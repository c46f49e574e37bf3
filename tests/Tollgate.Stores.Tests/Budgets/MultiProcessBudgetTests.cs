using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tollgate.Budgets;
using Tollgate.Budgets.StressHost;
using Tollgate.Costing;

namespace Tollgate.Stores.Tests.Budgets;

/// <summary>
/// Real OS processes sharing one store: three gateway-like processes racing for one hard budget, and a
/// process killed with SIGKILL while it holds the whole budget.
/// </summary>
public abstract class MultiProcessBudgetTests
{
    protected abstract string StoreKind { get; }

    protected abstract string Connection { get; }

    protected virtual string Prefix => "none";

    protected abstract IBudgetStore Store { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThreeProcesses_333CallersEach_NeverOverLimitAndEndWithinOneRequest()
    {
        var id = "mp" + Guid.NewGuid().ToString("N")[..8];
        const decimal limit = 1.00m, worst = 0.01m;
        var startAt = DateTimeOffset.UtcNow.AddSeconds(4).ToUnixTimeMilliseconds();
        var outs = Enumerable.Range(0, 3).Select(_ => OutFile()).ToList();
        var processes = Enumerable.Range(0, 3).Select(i => Start("run", "--budget", id, "--limit", "1.00", "--callers", "333", "--worst", "0.01",
            "--seed", (i * 1000).ToString(CultureInfo.InvariantCulture), "--start-at", startAt.ToString(CultureInfo.InvariantCulture), "--out", outs[i])).ToList();
        var results = new List<BudgetStress.Result>();
        for (var i = 0; i < processes.Count; i++)
        {
            using var p = processes[i];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(90));
            await p.WaitForExitAsync(timeout.Token);
            Assert.True(p.ExitCode == 0, $"helper {i} exited with {p.ExitCode}");
            results.Add(JsonSerializer.Deserialize<BudgetStress.Result>(await File.ReadAllTextAsync(outs[i], Ct))!);
            File.Delete(outs[i]);
        }

        var counter = await Store.GetCounterAsync(id, "lifetime", DateTimeOffset.UtcNow, Ct);
        var spent = Money.FromNanos(counter.SpentNanos);
        Assert.Equal(results.Sum(r => r.SettledTotal), spent);
        Assert.Equal(0, counter.HeldNanos);
        Assert.True(spent <= limit, $"spent {spent} > limit {limit}");
        Assert.True(limit - spent < worst, $"spent {spent}: more than one worst-case request left unused");
        Assert.True(results.Sum(r => r.Refusals) > 0, "demand exceeded the budget");
    }

    [Fact]
    public async Task ProcessKilledWhileHolding_HoldExpiresAndBudgetIsWholeAgain()
    {
        var id = "kill" + Guid.NewGuid().ToString("N")[..8];
        var gate = new BudgetGate(Store, new InMemoryBudgetDefinitionStore(new Budget { Id = id, Limit = 1m, Period = BudgetPeriod.Lifetime }));
        var outFile = OutFile();
        using var p = Start("hold", "--budget", id, "--limit", "1", "--amount", "1", "--ttl-ms", "3000", "--out", outFile);
        var waited = Stopwatch.StartNew();
        while (!File.Exists(outFile) && !p.HasExited && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50, Ct);
        }

        var line = File.Exists(outFile) ? await File.ReadAllTextAsync(outFile, Ct) : "(nothing)";
        File.Delete(outFile);
        Assert.True(line.StartsWith("HELD ", StringComparison.Ordinal), $"helper said '{line}', exited: {p.HasExited}");
        var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(line.Split(' ')[2], CultureInfo.InvariantCulture));
        p.Kill(); // SIGKILL on Unix: no cleanup code runs
        await p.WaitForExitAsync(Ct);

        var blocked = await gate.ReserveAsync(new BudgetSubject(), 0.5m, "while-held", cancellationToken: Ct);
        Assert.False(blocked.Allowed);
        Assert.Equal(1m, blocked.Trip!.Held);

        BudgetDecision? whole = null;
        while (DateTimeOffset.UtcNow < expiresAt.AddSeconds(20))
        {
            await Task.Delay(250, Ct);
            whole = await gate.ReserveAsync(new BudgetSubject(), 1m, "after", cancellationToken: Ct);
            if (whole.Allowed)
            {
                break;
            }
        }

        Assert.True(whole!.Allowed, whole.Reason);
        Assert.True(DateTimeOffset.UtcNow >= expiresAt, "the hold must last until its TTL");
        await gate.SettleAsync(whole.Reservation!, 0m, Ct);
        Assert.Equal(new BudgetCounter(0, 0), await Store.GetCounterAsync(id, "lifetime", DateTimeOffset.UtcNow, Ct));
    }

    private static string OutFile() => Path.Combine(Path.GetTempPath(), "tg-stress-" + Guid.NewGuid().ToString("N") + ".out");

    private Process Start(string mode, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Tollgate.Budgets.StressHost.dll");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory };
        foreach (var a in new[] { dll, mode, "--store", StoreKind, "--connection", Connection, "--prefix", Prefix }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi)!;
    }
}

public sealed class PostgresMultiProcessBudgetTests(PostgresStoreFixture fixture) : MultiProcessBudgetTests, IClassFixture<PostgresStoreFixture>
{
    protected override string StoreKind => "postgres";

    // Three helper processes with the fixture's pool of 40 each would take more connections than the server's
    // default 100 leaves to the test classes running beside them.
    protected override string Connection => new Npgsql.NpgsqlConnectionStringBuilder(fixture.ConnectionString) { MaxPoolSize = 10 }.ToString();

    protected override IBudgetStore Store => fixture.Store;
}

public sealed class RedisMultiProcessBudgetTests(RedisStoreFixture fixture) : MultiProcessBudgetTests, IClassFixture<RedisStoreFixture>
{
    protected override string StoreKind => "redis";

    protected override string Connection => TestServices.RedisConfiguration;

    protected override string Prefix => fixture.Prefix;

    protected override IBudgetStore Store => fixture.Store;
}

public sealed class SqliteMultiProcessBudgetTests(SqliteStoreFixture fixture) : MultiProcessBudgetTests, IClassFixture<SqliteStoreFixture>
{
    protected override string StoreKind => "sqlite";

    protected override string Connection => fixture.Path_;

    protected override IBudgetStore Store => fixture.Store;
}
