using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Tollgate.Extensions.AI.Tests.Fakes;

/// <summary>
/// A hand-written inner <see cref="IChatClient"/>: answers with a fixed text and reported usage, streams the
/// text in chunks (usage in a final <see cref="UsageContent"/> update), and records what it was asked.
/// </summary>
internal sealed class FakeChatClient : IChatClient
{
    public FakeChatClient(string provider = "openai", string model = "gpt-4o")
    {
        Metadata = new ChatClientMetadata(provider, null, model);
    }

    public ChatClientMetadata Metadata { get; }

    /// <summary>The answer text; streamed as <see cref="StreamChunks"/>.</summary>
    public string ResponseText { get; set; } = "Hello from the fake model.";

    /// <summary>The chunks a stream sends (defaults to the words of <see cref="ResponseText"/>).</summary>
    public IReadOnlyList<string>? StreamChunks { get; set; }

    /// <summary>The usage reported; null reports none.</summary>
    public UsageDetails? Usage { get; set; } = new() { InputTokenCount = 100, OutputTokenCount = 20, TotalTokenCount = 120 };

    /// <summary>The model id the response names; null echoes the request's.</summary>
    public string? ResponseModelId { get; set; }

    /// <summary>When set, a stream throws this after sending that many chunks.</summary>
    public (int AfterChunks, Exception Error)? FailStream { get; set; }

    /// <summary>Called after each streamed chunk (tests use it to cancel mid-stream).</summary>
    public Action<int>? OnChunkSent { get; set; }

    public List<ChatOptions?> SeenOptions { get; } = [];

    public List<List<ChatMessage>> SeenMessages { get; } = [];

    public int Calls => SeenOptions.Count;

    public Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Record(messages, options);
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, ResponseText))
        {
            ModelId = ResponseModelId ?? options?.ModelId ?? Metadata.DefaultModelId,
            Usage = Usage,
            FinishReason = ChatFinishReason.Stop,
        };
        return Task.FromResult(response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Record(messages, options);
        var model = ResponseModelId ?? options?.ModelId ?? Metadata.DefaultModelId;
        var chunks = StreamChunks ?? SplitWords(ResponseText);
        for (var i = 0; i < chunks.Count; i++)
        {
            if (FailStream is { } fail && fail.AfterChunks == i)
            {
                throw fail.Error;
            }

            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, chunks[i]) { ModelId = model };
            OnChunkSent?.Invoke(i + 1);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (Usage is not null)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(Usage)])
            {
                ModelId = model,
                FinishReason = ChatFinishReason.Stop,
            };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(Metadata) ? Metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    private void Record(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        SeenMessages.Add(messages.ToList());
        SeenOptions.Add(options);
    }

    private static List<string> SplitWords(string text)
    {
        var words = text.Split(' ');
        return words.Select((w, i) => i < words.Length - 1 ? w + " " : w).ToList();
    }
}
