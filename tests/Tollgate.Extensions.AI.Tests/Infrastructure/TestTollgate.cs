using Microsoft.Extensions.Time.Testing;
using Tollgate.Budgets;
using Tollgate.Ledger;
using Tollgate.Pricing;

namespace Tollgate.Extensions.AI.Tests.Infrastructure;

/// <summary>A Tollgate engine over the built-in price catalog and in-memory budget and ledger stores, on a fake clock.</summary>
internal sealed class TestTollgate : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    public TestTollgate(IEnumerable<Budget>? budgets = null, BudgetGateOptions? gateOptions = null)
    {
        Time = new FakeTimeProvider(Start);
        Definitions = new InMemoryBudgetDefinitionStore(budgets ?? []);
        BudgetStore = new InMemoryBudgetStore();
        Gate = new BudgetGate(BudgetStore, Definitions, Time, gateOptions);
        LedgerStore = new InMemoryLedgerStore();
        Engine = new TollgateEngine(new CostEngine(PriceCatalog.BuiltIn), Gate, new LedgerWriter(LedgerStore, timeProvider: Time), LedgerStore, Time);
    }

    public FakeTimeProvider Time { get; }

    public InMemoryBudgetDefinitionStore Definitions { get; }

    public InMemoryBudgetStore BudgetStore { get; }

    public BudgetGate Gate { get; }

    public InMemoryLedgerStore LedgerStore { get; }

    public TollgateEngine Engine { get; }

    /// <summary>Every record written so far (waits for the writer first).</summary>
    public async Task<List<UsageRecord>> RecordsAsync()
    {
        await Engine.FlushAsync();
        var records = new List<UsageRecord>();
        await foreach (var record in LedgerStore.ReadAsync(LedgerFilter.All))
        {
            records.Add(record);
        }

        return records;
    }

    public async Task<UsageRecord> SingleRecordAsync() => Assert.Single(await RecordsAsync());

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await Engine.Ledger.DisposeAsync();
    }
}
