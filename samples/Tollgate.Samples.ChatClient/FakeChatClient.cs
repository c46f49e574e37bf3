using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Tollgate.Samples.ChatClient;

/// <summary>
/// Stands in for a real provider client (OpenAI, Azure, Ollama…): answers every prompt with a canned text and reports
/// usage the way providers do, so the sample runs offline and its costs are predictable.
/// </summary>
internal sealed class FakeChatClient : IChatClient
{
    private readonly ChatClientMetadata _metadata = new("openai", new Uri("https://api.openai.com/v1"), "gpt-4o-mini");

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = messages.Last().Text;
        var answer = $"(fake {options?.ModelId ?? _metadata.DefaultModelId}) You asked: \"{prompt}\". Here is a short answer.";
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, answer))
        {
            ModelId = options?.ModelId ?? _metadata.DefaultModelId,
            Usage = new UsageDetails
            {
                InputTokenCount = 1200 + (prompt.Length * 3),
                CachedInputTokenCount = 1024, // a long system prompt served from the provider's cache
                OutputTokenCount = Math.Min(options?.MaxOutputTokens ?? 400, 400),
            },
        };
        return Task.FromResult(response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var word in response.Text.Split(' '))
        {
            await Task.Delay(5, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, word + " ") { ModelId = response.ModelId };
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(response.Usage!)]) { ModelId = response.ModelId };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata : null;

    public void Dispose()
    {
    }
}
