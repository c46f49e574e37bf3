using BenchmarkDotNet.Attributes;
using Tollgate.Ledger;
using Tollgate.PostgreSql.Ledger;
using Tollgate.Sqlite.Ledger;

namespace Tollgate.Benchmarks.Ledger;

/// <summary>
/// Ledger ingest: each invocation appends 50 000 new records in batches of 10 000 (one transaction each) into a
/// growing store. Reported time is per record (OperationsPerInvoke), so records/s = 1e9 / mean(ns).
/// </summary>
[Config(typeof(LedgerBenchConfig))]
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes the store.
public class LedgerIngestBenchmarks
#pragma warning restore CA1001
{
    private const int PerInvocation = 50_000;
    private const int BatchSize = 10_000;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private ILedgerStore _store = null!;
    private List<UsageRecord> _next = [];
    private long _offset;
    private string _directory = "";
    private string _database = "";

    /// <summary>Stores to measure: $TOLLGATE_BENCH_STORES (comma-separated), default sqlite and postgres.</summary>
    public static IEnumerable<string> Stores => LedgerBenchData.Stores;

    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = "sqlite";

    [GlobalSetup]
    public void Setup()
    {
        if (Store == "sqlite")
        {
            _directory = Path.Combine(Path.GetTempPath(), "tollgate-bench-ingest-" + _run);
            _store = new SqliteLedgerStore(Path.Combine(_directory, "tollgate.db"));
        }
        else
        {
            _database = "tg_bench_ingest_" + _run;
            _store = new PostgreSqlLedgerStore(LedgerBenchData.PostgresDatabase(_database, recreate: true));
        }
    }

    [IterationSetup]
    public void NextRecords()
    {
        _next = LedgerBenchData.Generate(_run, _offset, PerInvocation, 10_000_000);
        _offset += PerInvocation;
    }

    [Benchmark(OperationsPerInvoke = PerInvocation)]
    public async Task AppendBatches()
    {
        for (var i = 0; i < _next.Count; i += BatchSize)
        {
            var result = await _store.AppendAsync(_next.GetRange(i, BatchSize));
            if (result.Inserted != BatchSize)
            {
                throw new InvalidOperationException($"expected {BatchSize} inserted, got {result}");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_directory.Length > 0 && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        if (_database.Length > 0)
        {
            LedgerBenchData.DropPostgresDatabase(_database);
        }
    }
}
