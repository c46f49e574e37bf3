using BenchmarkDotNet.Attributes;
using Tollgate.Ledger;
using Tollgate.PostgreSql.Ledger;
using Tollgate.Sqlite.Ledger;

namespace Tollgate.Benchmarks.Ledger;

/// <summary>
/// Reports over a ledger of 10 M records spanning 30 days. The store is seeded once (outside the timed part) and
/// kept between runs: SQLite at $TOLLGATE_BENCH_LEDGER_DB (default bench/results/ledger-10m.db), PostgreSQL in the
/// database tg_bench_ledger_10m. Seeding checks the stored count, so an interrupted seed resumes.
/// </summary>
[Config(typeof(LedgerReportBenchConfig))]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes the store.
public class LedgerReportBenchmarks
#pragma warning restore CA1001
{
    private const long Records = 10_000_000;
    private static readonly LedgerQuery DayByModel = new()
    {
        Filter = new LedgerFilter { From = LedgerBenchData.Start, To = LedgerBenchData.Start.AddDays(30) },
        GroupBy = LedgerDimension.Model,
        Bucket = TimeBucket.Day,
    };

    private static readonly LedgerQuery DayByUserForTenant = DayByModel with
    {
        Filter = DayByModel.Filter with { Tenant = "tenant-3" },
        GroupBy = LedgerDimension.User,
    };

    private ILedgerStore _store = null!;

    /// <summary>Stores to measure: $TOLLGATE_BENCH_STORES (comma-separated), default sqlite and postgres.</summary>
    public static IEnumerable<string> Stores => LedgerBenchData.Stores;

    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = "sqlite";

    [GlobalSetup]
    public void Setup()
    {
        if (Store == "sqlite")
        {
            var path = Environment.GetEnvironmentVariable("TOLLGATE_BENCH_LEDGER_DB") ?? Path.GetFullPath("bench/results/ledger-10m.db");
            _store = new SqliteLedgerStore(path);
        }
        else
        {
            _store = new PostgreSqlLedgerStore(LedgerBenchData.PostgresDatabase("tg_bench_ledger_10m", recreate: false));
        }

        SeedAsync().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "30 days by day x model (10 M records)")]
    public async Task<int> ThirtyDaysByDayAndModel()
    {
        var report = await _store.QueryAsync(DayByModel);
        return report.Groups.Count == 240 && report.Total.Requests == Records ? report.Groups.Count : throw new InvalidOperationException($"unexpected report: {report.Groups.Count} groups, {report.Total.Requests} records");
    }

    [Benchmark(Description = "30 days by day x user, one tenant (wide rollup)")]
    public async Task<int> ThirtyDaysByDayAndUserForTenant() => (await _store.QueryAsync(DayByUserForTenant)).Groups.Count;

    [GlobalCleanup]
    public void Cleanup() => _store.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task SeedAsync()
    {
        var stored = (await _store.QueryAsync(new LedgerQuery())).Total.Requests;
        const int chunk = 50_000;
        for (var first = stored - (stored % chunk); first < Records; first += chunk)
        {
            // Keys are deterministic, so re-appending a partly stored chunk after an interruption is harmless.
            var batch = LedgerBenchData.Generate("seed", first, chunk, Records);
            for (var i = 0; i < batch.Count; i += 10_000)
            {
                await _store.AppendAsync(batch.GetRange(i, 10_000));
            }

            if (first % 1_000_000 == 0)
            {
                Console.WriteLine($"// seeded {first + chunk:N0} / {Records:N0}");
            }
        }
    }
}
