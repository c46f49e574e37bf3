using BenchmarkDotNet.Attributes;
using StackExchange.Redis;
using Tollgate.Budgets;
using Tollgate.Redis.Budgets;

namespace Tollgate.Benchmarks.Budgets;

/// <summary>
/// Reserve + settle throughput: through the real <see cref="BudgetGate"/> on the in-process store (one
/// thread, and all cores), and on Redis (many concurrent requests pipelined over one multiplexer, plain and
/// with a lease). Redis needs TOLLGATE_BENCH_REDIS (host:port).
/// </summary>
[MemoryDiagnoser]
public class BudgetReservationBenchmarks : IDisposable
{
    private const int Ops = 100_000;
    private const int RedisOps = 20_000;
    private static readonly BudgetSubject Subject = new() { Tenant = "acme", User = "alice", Model = "gpt-4o" };

    private BudgetGate _memory = null!;
    private BudgetGate? _redis;
    private LeasedBudgetStore? _leasedStore;
    private BudgetGate? _leased;
    private ConnectionMultiplexer? _mux;

    [GlobalSetup]
    public void Setup()
    {
        // Global monthly + a daily budget per tenant, so two budgets apply to every request of every thread.
        var budgets = new InMemoryBudgetDefinitionStore(
        [
            new Budget { Id = "global", Limit = 1_000_000m, Period = BudgetPeriod.Monthly },
            new Budget { Id = "tenant", Scope = new BudgetScope { Tenant = "acme" }, Limit = 1_000_000m, Period = BudgetPeriod.Daily },
            .. Enumerable.Range(1, 63).Select(t => new Budget { Id = "tenant" + t, Scope = new BudgetScope { Tenant = "t" + t }, Limit = 1_000_000m, Period = BudgetPeriod.Daily }),
        ]);
        _memory = new BudgetGate(new InMemoryBudgetStore(), budgets);
        if (Environment.GetEnvironmentVariable("TOLLGATE_BENCH_REDIS") is { Length: > 0 } redis)
        {
            _mux = ConnectionMultiplexer.Connect(redis);
            var prefix = "bench-" + Guid.NewGuid().ToString("N")[..8];
            _redis = new BudgetGate(new RedisBudgetStore(_mux, prefix), budgets);
            _leasedStore = new LeasedBudgetStore(new RedisBudgetStore(_mux, prefix + "l"), new LeasedBudgetStoreOptions { LeaseNanos = 1_000_000_000 });
            _leased = new BudgetGate(_leasedStore, budgets);
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _leasedStore?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _mux?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>One thread, two budgets apply to every request.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public async Task InProcess_ReserveSettle_OneThread()
    {
        for (var i = 0; i < Ops; i++)
        {
            var d = await _memory.ReserveAsync(Subject, 0.001m, "r");
            await _memory.SettleAsync(d.Reservation!, 0.0005m);
        }
    }

    /// <summary>All cores, each thread a different tenant (its own tenant budget; the global budget shared).</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public void InProcess_ReserveSettle_AllCores()
    {
        var threads = Environment.ProcessorCount;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var subject = Subject with { Tenant = t == 0 ? "acme" : "t" + (t % 63 + 1) };
            for (var i = 0; i < Ops / threads; i++)
            {
                // The in-process store completes synchronously; AsTask() keeps this correct if it ever did not.
                var reserve = _memory.ReserveAsync(subject, 0.001m, "r");
                var d = reserve.IsCompletedSuccessfully ? reserve.Result : reserve.AsTask().GetAwaiter().GetResult();
                var settle = _memory.SettleAsync(d.Reservation!, 0.0005m);
                if (!settle.IsCompletedSuccessfully)
                {
                    settle.AsTask().GetAwaiter().GetResult();
                }
            }
        });
    }

    /// <summary>256 requests in flight through one multiplexer (StackExchange.Redis pipelines them); one Lua script per reserve and per settle.</summary>
    [Benchmark(OperationsPerInvoke = RedisOps)]
    public Task Redis_ReserveSettle_Pipelined() => RunConcurrentAsync(_redis ?? throw new InvalidOperationException("set TOLLGATE_BENCH_REDIS"));

    /// <summary>Same, with a lease: the instance holds part of each budget in Redis and spends it locally.</summary>
    [Benchmark(OperationsPerInvoke = RedisOps)]
    public Task Redis_ReserveSettle_Leased() => RunConcurrentAsync(_leased ?? throw new InvalidOperationException("set TOLLGATE_BENCH_REDIS"));

    private static async Task RunConcurrentAsync(BudgetGate gate)
    {
        const int concurrency = 256;
        var tasks = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            tasks[w] = Task.Run(async () =>
            {
                for (var i = 0; i < RedisOps / concurrency; i++)
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
