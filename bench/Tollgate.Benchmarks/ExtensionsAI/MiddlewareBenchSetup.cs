using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Tollgate.Budgets;
using Tollgate.Ledger;
using Tollgate.Pricing;

namespace Tollgate.Benchmarks.ExtensionsAI;

/// <summary>What both middleware benchmarks (BenchmarkDotNet and the CPU-time runner) measure against.</summary>
internal static class MiddlewareBenchSetup
{
    public static readonly List<ChatMessage> Messages =
    [
        new(ChatRole.System, "You are a helpful support assistant. Answer briefly."),
        new(ChatRole.User, "How do I reset my password?"),
    ];

    public static readonly ChatOptions Options = new() { MaxOutputTokens = 500 };

    /// <summary>Built-in catalog, in-memory budget store (one monthly budget when asked), a discarding ledger.</summary>
    public static (TollgateEngine Engine, LedgerWriter Writer) CreateEngine(bool withBudget)
    {
        var budgets = withBudget
            ? new InMemoryBudgetDefinitionStore(new Budget { Id = "bench", Limit = 1_000_000_000m, Period = BudgetPeriod.Monthly })
            : new InMemoryBudgetDefinitionStore();
        var gate = new BudgetGate(new InMemoryBudgetStore(), budgets);
        var ledger = new DiscardingLedgerStore();
        var linger = Environment.GetEnvironmentVariable("TOLLGATE_BENCH_LINGER_MS") is { } ms ? TimeSpan.FromMilliseconds(double.Parse(ms, System.Globalization.CultureInfo.InvariantCulture)) : new LedgerWriterOptions().Linger;
        var writer = new LedgerWriter(ledger, new LedgerWriterOptions { Linger = linger });
        return (new TollgateEngine(new CostEngine(PriceCatalog.BuiltIn), gate, writer, ledger), writer);
    }
}

/// <summary>Answers instantly with a fixed response and usage: the baseline does no work Tollgate could hide behind.</summary>
internal sealed class InstantChatClient : IChatClient
{
    private readonly ChatClientMetadata _metadata = new("openai", null, "gpt-4o-mini");
    private readonly UsageDetails _usage = new() { InputTokenCount = 40, CachedInputTokenCount = 0, OutputTokenCount = 12 };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Use the 'Forgot password' link.")) { ModelId = "gpt-4o-mini", Usage = _usage });

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType == typeof(ChatClientMetadata) ? _metadata : null;

    public void Dispose()
    {
    }
}

/// <summary>A ledger that accepts and forgets: the benchmark measures the call path, not an ever-growing dictionary.</summary>
internal sealed class DiscardingLedgerStore : ILedgerStore
{
    public ValueTask<LedgerAppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new LedgerAppendResult(records.Count, 0));

    public ValueTask<LedgerReport> QueryAsync(LedgerQuery query, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new LedgerReport(default, []));

    public async IAsyncEnumerable<UsageRecord> ReadAsync(LedgerFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield break;
    }

    public ValueTask<UsageRecord?> FindAsync(LedgerKey key, CancellationToken cancellationToken = default) => ValueTask.FromResult<UsageRecord?>(null);

    public ValueTask<long> PurgeRawBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => ValueTask.FromResult(0L);

    public ValueTask<DateTimeOffset?> GetRetentionCutoffAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<DateTimeOffset?>(null);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
