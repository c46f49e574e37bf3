using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Tollgate.Budgets;
using Tollgate.Extensions.AI;
using Tollgate.Ledger;
using Tollgate.Pricing;

namespace Tollgate.Benchmarks.ExtensionsAI;

/// <summary>
/// The added cost per call of <see cref="TollgateChatClient"/> over calling the inner client directly: count the
/// prompt, price and hold the worst case, price the reported usage, settle, hand the record to the ledger writer.
/// In-memory budget store; the ledger writer's store discards records so memory stays flat over millions of calls.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: GlobalSetup creates, GlobalCleanup disposes.
public class ChatMiddlewareBenchmarks
#pragma warning restore CA1001
{
    private static readonly List<ChatMessage> Messages =
    [
        new(ChatRole.System, "You are a helpful support assistant. Answer briefly."),
        new(ChatRole.User, "How do I reset my password?"),
    ];

    private static readonly ChatOptions Options = new() { MaxOutputTokens = 500 };

    private InstantChatClient _inner = null!;
    private TollgateChatClient _metered = null!;
    private TollgateEngine _engine = null!;
    private LedgerWriter _writer = null!;

    /// <summary>With a budget in force the call also takes and settles a hold on the budget counter.</summary>
    [Params(false, true)]
    public bool WithBudget { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var budgets = WithBudget
            ? new InMemoryBudgetDefinitionStore(new Budget { Id = "bench", Limit = 1_000_000m, Period = BudgetPeriod.Monthly })
            : new InMemoryBudgetDefinitionStore();
        var gate = new BudgetGate(new InMemoryBudgetStore(), budgets);
        var ledger = new DiscardingLedgerStore();
        _writer = new LedgerWriter(ledger);
        _engine = new TollgateEngine(new CostEngine(PriceCatalog.BuiltIn), gate, _writer, ledger);
        _inner = new InstantChatClient();
        _metered = new TollgateChatClient(_inner, _engine);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine.FlushAsync().GetAwaiter().GetResult();
        _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "inner client directly")]
    public Task<ChatResponse> Direct() => _inner.GetResponseAsync(Messages, Options);

    [Benchmark(Description = "through TollgateChatClient")]
    public Task<ChatResponse> Metered() => _metered.GetResponseAsync(Messages, Options);

    /// <summary>Answers instantly with a fixed response and usage: the baseline does no work Tollgate could hide behind.</summary>
    private sealed class InstantChatClient : IChatClient
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
    private sealed class DiscardingLedgerStore : ILedgerStore
    {
        public ValueTask<LedgerAppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new LedgerAppendResult(records.Count, 0));

        public ValueTask<LedgerReport> QueryAsync(LedgerQuery query, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new LedgerReport(default, []));

        public async IAsyncEnumerable<UsageRecord> ReadAsync(LedgerFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield break;
        }

        public ValueTask<UsageRecord?> FindAsync(LedgerKey key, CancellationToken cancellationToken = default) => ValueTask.FromResult<UsageRecord?>(null);

        public ValueTask<long> PurgeRawBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => ValueTask.FromResult(0L);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
