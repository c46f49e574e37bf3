using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Tollgate.Ledger;
using Tollgate.PostgreSql.Ledger;
using Tollgate.Sqlite.Ledger;

namespace Tollgate.Benchmarks.Ledger;

/// <summary>
/// <c>dotnet Tollgate.Benchmarks.dll ledger-cpu sqlite|postgres [records] [batch]</c>: appends pre-generated
/// records in batches and prints wall-clock throughput and CPU time per record (this process, plus for PostgreSQL
/// the server backends that served the append), since wall-clock rates on the oversubscribed shared machine mostly
/// measure the other tenants.
/// </summary>
internal static class LedgerCpuRun
{
    private const string AppName = "tollgate-ledger-cpu";

    public static async Task RunAsync(string[] args)
    {
        var mode = args.Length > 0 ? args[0] : "sqlite";
        var total = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
        var batch = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10_000;
        var run = Guid.NewGuid().ToString("N")[..8];
        var warmup = LedgerBenchData.Generate(run, 0, batch * 2, 10_000_000);
        var records = LedgerBenchData.Generate(run, batch * 2, total, 10_000_000);
        string? directory = null, database = null, connectionString = null;
        ILedgerStore store;
        if (mode == "sqlite")
        {
            directory = Path.Combine(Path.GetTempPath(), "tollgate-ledger-cpu-" + run);
            store = new SqliteLedgerStore(Path.Combine(directory, "tollgate.db"));
        }
        else
        {
            database = "tg_bench_cpu_" + run;
            connectionString = new NpgsqlConnectionStringBuilder(LedgerBenchData.PostgresDatabase(database, recreate: true)) { ApplicationName = AppName }.ConnectionString;
            store = new PostgreSqlLedgerStore(connectionString);
        }

        try
        {
            // Warm-up: tiered JIT promotes a method after ~30 calls, so many small batches first, then full ones;
            // then a full GC so collecting the generator's garbage is not charged to the measured appends.
            await AppendAsync(store, warmup[..(batch / 2)], batch / 100);
            await AppendAsync(store, warmup[(batch / 2)..], batch);
            await Task.Delay(1000);
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var process = Process.GetCurrentProcess();
            var server0 = connectionString is null ? TimeSpan.Zero : await ServerCpuAsync(database!);
            var cpu0 = process.TotalProcessorTime;
            await Console.Error.WriteLineAsync("// measuring (attach a profiler to this process now)");
            var wall = Stopwatch.StartNew();
            await AppendAsync(store, records, batch);
            wall.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpu0;
            var server = connectionString is null ? TimeSpan.Zero : await ServerCpuAsync(database!) - server0;
            var all = cpu + server;
            var serverText = connectionString is null ? "" : string.Create(CultureInfo.InvariantCulture, $", server CPU {server.TotalMicroseconds / total:0.00} µs/record");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{mode}: {total:N0} records in batches of {batch:N0}: {wall.Elapsed.TotalSeconds:0.000} s wall ({total / wall.Elapsed.TotalSeconds:N0} records/s); client CPU {cpu.TotalMicroseconds / total:0.00} µs/record{serverText} => {total / all.TotalSeconds:N0} records per CPU-second; load avg {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        }
        finally
        {
            await store.DisposeAsync();
            if (directory is not null)
            {
                Directory.Delete(directory, recursive: true);
            }

            if (database is not null)
            {
                LedgerBenchData.DropPostgresDatabase(database);
            }
        }
    }

    private static async Task AppendAsync(ILedgerStore store, List<UsageRecord> records, int batch)
    {
        for (var i = 0; i < records.Count; i += batch)
        {
            var n = Math.Min(batch, records.Count - i);
            var result = await store.AppendAsync(records.GetRange(i, n));
            if (result.Inserted != n)
            {
                throw new InvalidOperationException($"expected {n} inserted, got {result}");
            }
        }
    }

    /// <summary>CPU (user + system) of the server backends connected to the bench database, read from /proc.</summary>
    private static async Task<TimeSpan> ServerCpuAsync(string database)
    {
        await using var connection = new NpgsqlConnection(LedgerBenchData.PostgresAdmin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE datname = @d AND application_name = @a", connection);
        command.Parameters.AddWithValue("d", database);
        command.Parameters.AddWithValue("a", AppName);
        var ticks = 0L;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var stat = File.ReadAllText($"/proc/{reader.GetInt32(0)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime, stime
        }

        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
    }
}
