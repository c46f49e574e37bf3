using System.Diagnostics;
using Tollgate.Ledger;
using Tollgate.Sqlite.Ledger;

namespace Tollgate.Cli.Tests.Ledger;

/// <summary>
/// Kills the real <c>tollgate</c> binary with SIGKILL while it appends under load, then checks that every append it
/// reported as completed is in the SQLite ledger.
/// </summary>
public sealed class LedgerCrashTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tollgate-crash-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task LedgerStress_KilledWithSigkill_EveryCompletedAppendSurvives()
    {
        var ct = TestContext.Current.CancellationToken;
        var db = Path.Combine(_dir, "tollgate.db");
        var start = new ProcessStartInfo(TollgateBinary.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "ledger-stress", "--count", "100000000", "--concurrency", "16", "--store", "sqlite:" + db })
        {
            start.ArgumentList.Add(arg);
        }

        var acknowledged = new List<string>();
        using (var process = Process.Start(start)!)
        {
            var stderr = process.StandardError.ReadToEndAsync(ct);
            var deadline = Stopwatch.StartNew();
            while (acknowledged.Count < 5000 && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                var line = await process.StandardOutput.ReadLineAsync(ct);
                if (line is null)
                {
                    Assert.Fail($"tollgate ledger-stress exited early ({process.ExitCode}): {await stderr}");
                }

                acknowledged.Add(line);
            }

            // SIGKILL: no finally blocks, no flush, no dispose.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(ct);
            Assert.Equal(137, process.ExitCode);
        }

        Assert.True(acknowledged.Count >= 1000, $"only {acknowledged.Count} appends completed before the deadline");
        await using var store = new SqliteLedgerStore(Tollgate.Hosting.TollgateStores.LedgerPathBeside(db));
        var missing = new List<string>();
        foreach (var key in acknowledged)
        {
            var hash = key.LastIndexOf('#');
            if (await store.FindAsync(new LedgerKey(key[..hash], int.Parse(key[(hash + 1)..], System.Globalization.CultureInfo.InvariantCulture)), ct) is null)
            {
                missing.Add(key);
            }
        }

        Assert.Empty(missing);
        var total = (await store.QueryAsync(new LedgerQuery(), ct)).Total.Requests;
        Assert.True(total >= acknowledged.Count, $"rollups count {total} records, fewer than the {acknowledged.Count} acknowledged");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
