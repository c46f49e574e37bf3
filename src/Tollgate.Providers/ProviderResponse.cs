using System.Text;
using Tollgate.Costing;
using Tollgate.Providers.Streaming;

namespace Tollgate.Providers;

/// <summary>
/// A provider's answer in OpenAI format. A non-streaming body is already read (usage known); a stream is
/// passed through chunk by chunk by <see cref="CopyToAsync"/>, and <see cref="Usage"/> holds what was observed
/// when it ended — also when it was cut off. Dispose it to release the connection.
/// </summary>
public sealed class ProviderResponse : IAsyncDisposable, IDisposable
{
    private readonly byte[]? _body;
    private readonly HttpResponseMessage? _upstream;
    private readonly StreamTranslator? _translator;
    private readonly string? _apiKey;
    private int _consumed;

    internal ProviderResponse(string provider, string model, int statusCode, byte[] body, Usage? usage, string? finishReason, ProviderFailure? failure)
    {
        Provider = provider;
        Model = model;
        StatusCode = statusCode;
        _body = body;
        Usage = usage;
        FinishReason = finishReason;
        Failure = failure;
        Completed = failure is null;
    }

    internal ProviderResponse(string provider, string model, HttpResponseMessage upstream, StreamTranslator translator, string? apiKey)
    {
        Provider = provider;
        Model = model;
        StatusCode = (int)upstream.StatusCode;
        IsStreaming = true;
        _upstream = upstream;
        _translator = translator;
        _apiKey = apiKey;
    }

    public string Provider { get; }

    /// <summary>The idle and total limits a stream's body is read under; null for none.</summary>
    internal Timeouts.StreamLimits? Limits { get; init; }

    /// <summary>The model name sent upstream.</summary>
    public string Model { get; }

    /// <summary>Upstream HTTP status; 0 when no response arrived (timeout, unreachable).</summary>
    public int StatusCode { get; }

    /// <summary>True when the provider answered 2xx (a stream can still be cut off later: see <see cref="Completed"/>).</summary>
    public bool IsSuccess => Failure is null && StatusCode is >= 200 and < 300;

    /// <summary>True when the provider was reached (it may bill the call even on failure).</summary>
    public bool ReachedProvider => StatusCode != 0;

    public bool IsStreaming { get; }

    /// <summary><c>text/event-stream</c> for streams, else <c>application/json</c>.</summary>
    public string ContentType => IsStreaming ? "text/event-stream" : "application/json";

    public ProviderFailure? Failure { get; private set; }

    /// <summary>
    /// The provider-reported usage, read with the provider's own usage dialect; for a stream, null until observed (it
    /// may stay null if the stream was cut off early) and available as soon as the translator has read it.
    /// </summary>
    public Usage? Usage
    {
        get => _usage ?? _translator?.Usage;
        private set => _usage = value;
    }

    private Usage? _usage;

    /// <summary>OpenAI finish reason (<c>stop</c>, <c>length</c>, <c>tool_calls</c>, <c>content_filter</c>).</summary>
    public string? FinishReason { get; private set; }

    /// <summary>True when the whole answer arrived (a stream reached its normal end).</summary>
    public bool Completed { get; private set; }

    /// <summary>
    /// Writes the OpenAI-format body to <paramref name="destination"/>. A stream is written and flushed event by
    /// event as the provider sends it. Call once.
    /// </summary>
    public async Task CopyToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _consumed, 1) != 0)
        {
            throw new InvalidOperationException("the response body was already read");
        }

        if (_body is not null)
        {
            await destination.WriteAsync(_body, cancellationToken);
            return;
        }

        var body = await _upstream!.Content.ReadAsStreamAsync(cancellationToken);
        var limited = Limits is { } limits ? new Timeouts.DeadlineStream(body, limits.Idle, limits.Deadline, limits.Time) : null;
        var upstream = new InterruptionGuardStream(limited ?? body);
        try
        {
            await _translator!.CopyAsync(upstream, destination, cancellationToken);
        }
        finally
        {
            Usage = _translator!.Usage;
            FinishReason = _translator.FinishReason;
            Completed = _translator.Completed && !upstream.Interrupted;
            if (!Completed && Failure is null && limited?.TimedOut is { } timedOut)
            {
                Failure = new ProviderFailure(ProviderFailureKind.Timeout, StatusCode, $"provider '{Provider}' stream stopped: {timedOut}");
            }
            else if (!Completed && Failure is null)
            {
                var reason = upstream.Interrupted ? Secrets.Redact(upstream.InterruptionMessage ?? "connection lost", _apiKey) : "the stream ended before the provider finished it";
                Failure = new ProviderFailure(ProviderFailureKind.StreamInterrupted, StatusCode, Secrets.Truncate(reason));
            }
        }
    }

    /// <summary>The whole OpenAI-format body (for a stream: every SSE event, once the stream ended).</summary>
    public async Task<byte[]> ReadBodyAsync(CancellationToken cancellationToken = default)
    {
        if (_body is not null && _consumed == 0)
        {
            _consumed = 1;
            return _body;
        }

        using var buffer = new MemoryStream();
        await CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>The body as text (tests and diagnostics).</summary>
    public async Task<string> ReadBodyAsStringAsync(CancellationToken cancellationToken = default) =>
        Encoding.UTF8.GetString(await ReadBodyAsync(cancellationToken));

    public void Dispose() => _upstream?.Dispose();

    public ValueTask DisposeAsync()
    {
        _upstream?.Dispose();
        return ValueTask.CompletedTask;
    }
}
