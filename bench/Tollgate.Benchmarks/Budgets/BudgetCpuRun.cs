using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Tollgate.Budgets;
using Tollgate.Redis.Budgets;

namespace Tollgate.Benchmarks.Budgets;

/// <summary>
/// <c>dotnet Tollgate.Benchmarks.dll budget-cpu [memory|memory-mt|memory-mt-tenants|leased-memory|redis|redis-leased] [ops]</c>: runs reserve +
/// settle through the gate and prints wall-clock and process-CPU throughput (ops per CPU-second) and bytes
/// allocated per operation, since wall-clock numbers on an oversubscribed shared machine mostly measure the
/// other tenants. <c>memory</c> is one thread; <c>memory-mt</c> one thread per core, all reserving for the same
/// tenant (both counters contended); <c>memory-mt-tenants</c> one tenant per thread (the global counter shared);
/// <c>leased-memory</c> the lease logic over an in-process "shared" store (client cost without Redis).
/// </summary>
internal static class BudgetCpuRun
{
    private static readonly BudgetSubject Subject = new() { Tenant = "acme", User = "alice", Model = "gpt-4o" };

    public static async Task RunAsync(string[] args)
    {
        var mode = args.Length > 0 ? args[0] : "memory";
        var ops = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000_000;
        // Global monthly + a daily budget per tenant; "acme" is the tenant of the single-subject modes.
        var budgets = new InMemoryBudgetDefinitionStore(
        [
            new Budget { Id = "global", Limit = 1_000_000m, Period = BudgetPeriod.Monthly },
            new Budget { Id = "tenant", Scope = new BudgetScope { Tenant = "acme" }, Limit = 1_000_000m, Period = BudgetPeriod.Daily },
            .. Enumerable.Range(1, 63).Select(t => new Budget { Id = "tenant" + t, Scope = new BudgetScope { Tenant = "t" + t }, Limit = 1_000_000m, Period = BudgetPeriod.Daily }),
        ]);
        ConnectionMultiplexer? mux = null;
        LeasedBudgetStore? leased = null;
        IBudgetStore store = new InMemoryBudgetStore();
        if (mode == "leased-memory")
        {
            store = leased = new LeasedBudgetStore(store, new LeasedBudgetStoreOptions { LeaseNanos = 1_000_000_000 });
        }

        if (mode.StartsWith("redis", StringComparison.Ordinal))
        {
            mux = await ConnectionMultiplexer.ConnectAsync(Environment.GetEnvironmentVariable("TOLLGATE_BENCH_REDIS") ?? "127.0.0.1:56379");
            store = new RedisBudgetStore(mux, "benchcpu-" + Guid.NewGuid().ToString("N")[..8]);
            if (mode.StartsWith("redis-leased", StringComparison.Ordinal))
            {
                store = leased = new LeasedBudgetStore(store, new LeasedBudgetStoreOptions { LeaseNanos = 1_000_000_000 });
            }
        }

        var gate = new BudgetGate(store, budgets);
        await RunOnceAsync(gate, Math.Min(ops, 20_000), mode); // warm-up (JIT, tiering, script load)
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var bytes0 = GC.GetTotalAllocatedBytes(true);
        var wall = Stopwatch.StartNew();
        await RunOnceAsync(gate, ops, mode);
        wall.Stop();
        var bytes = GC.GetTotalAllocatedBytes(true) - bytes0;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{mode}: {ops:N0} reserve+settle in {wall.Elapsed.TotalSeconds:0.000} s wall ({ops / wall.Elapsed.TotalSeconds:N0}/s), {cpu.TotalSeconds:0.000} s CPU ({ops / cpu.TotalSeconds:N0} per CPU-second, {cpu.TotalMilliseconds * 1000 / ops:0.000} µs CPU/op), {(double)bytes / ops:0} B/op, {Environment.ProcessorCount} cores, load avg {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        if (leased is not null)
        {
            await leased.DisposeAsync();
        }

        mux?.Dispose();
    }

    private static async Task RunOnceAsync(BudgetGate gate, int ops, string mode)
    {
        if (mode is "memory-mt" or "memory-mt-tenants")
        {
            var threads = Environment.ProcessorCount;
            var workers = new Thread[threads];
            for (var t = 0; t < threads; t++)
            {
                // memory-mt: every thread the same tenant (both counters contended); -tenants: a tenant per thread (global shared).
                var subject = mode == "memory-mt" || t == 0 ? Subject : Subject with { Tenant = "t" + (t % 63 + 1) };
                workers[t] = new Thread(() =>
                {
                    for (var i = 0; i < ops / threads; i++)
                    {
                        // The in-process store completes synchronously; fall back to blocking only if it ever did not.
                        var reserve = gate.ReserveAsync(subject, 0.001m, "r");
                        var d = reserve.IsCompletedSuccessfully ? reserve.Result : reserve.AsTask().GetAwaiter().GetResult();
                        var settle = gate.SettleAsync(d.Reservation!, 0.0005m);
                        if (!settle.IsCompletedSuccessfully)
                        {
                            settle.AsTask().GetAwaiter().GetResult();
                        }
                    }
                });
                workers[t].Start();
            }

            foreach (var w in workers)
            {
                w.Join();
            }

            return;
        }

        if (mode == "memory")
        {
            for (var i = 0; i < ops; i++)
            {
                var d = await gate.ReserveAsync(Subject, 0.001m, "r");
                await gate.SettleAsync(d.Reservation!, 0.0005m);
            }

            return;
        }

        const int concurrency = 256;
        var tasks = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            tasks[w] = Task.Run(async () =>
            {
                for (var i = 0; i < ops / concurrency; i++)
                {
                    var d = await gate.ReserveAsync(Subject, 0.001m, "r");

                    // The provider call: a real request gives its thread back here.
                    await Task.Yield();
                    await gate.SettleAsync(d.Reservation!, 0.0005m);
                }
            });
        }

        await Task.WhenAll(tasks);
    }
}
