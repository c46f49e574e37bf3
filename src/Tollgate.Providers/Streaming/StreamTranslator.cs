using Tollgate.Costing;

namespace Tollgate.Providers.Streaming;

/// <summary>Copies one upstream stream to the client in OpenAI SSE format while observing usage and the finish reason.</summary>
internal abstract class StreamTranslator
{
    public Usage? Usage { get; protected set; }

    public string? FinishReason { get; protected set; }

    /// <summary>The provider ended the stream normally.</summary>
    public bool Completed { get; protected set; }

    public abstract Task CopyAsync(Stream upstream, Stream destination, CancellationToken cancellationToken);
}
