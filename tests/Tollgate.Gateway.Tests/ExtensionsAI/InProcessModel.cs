using Microsoft.Extensions.AI;

namespace Tollgate.Gateway.Tests.ExtensionsAI;

/// <summary>The app's own model client (hand-written): answers as the fake upstream does, with the given usage.</summary>
internal sealed class InProcessModel(string model, UsageDetails usage) : IChatClient
{
    public const string AnswerText = "Hello from the fake upstream.";

    private readonly ChatClientMetadata _metadata = new("openai", null, model);

    /// <summary>The options the middleware sent last (after any adaptation).</summary>
    public ChatOptions? LastOptions { get; private set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        LastOptions = options;
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, AnswerText)) { ModelId = options?.ModelId ?? model, Usage = usage });
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata : null;

    public void Dispose()
    {
    }
}
