using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI;
using Tollgate.Ledger;

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
    private static readonly List<ChatMessage> Messages = MiddlewareBenchSetup.Messages;

    private static readonly ChatOptions Options = MiddlewareBenchSetup.Options;

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
        (_engine, _writer) = MiddlewareBenchSetup.CreateEngine(WithBudget);
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
}
