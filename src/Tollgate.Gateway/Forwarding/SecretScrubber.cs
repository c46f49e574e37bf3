using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Removes the configured provider secrets (API keys, credential header values) from what a provider sends back
/// before it reaches a client or a log: a provider that echoes the key it was called with in an error body (or in a
/// stream) must not hand it to every key holder. Each secret is replaced by <c>[redacted]</c>; a body without one is
/// passed on as it is (one vectorized search per secret).
/// </summary>
internal sealed class SecretScrubber
{
    /// <summary>Shorter values are not treated as secrets (they would match ordinary text).</summary>
    public const int MinSecretLength = 8;

    private static readonly byte[] Redacted = "[redacted]"u8.ToArray();

    private readonly byte[][] _secrets;
    private readonly string[] _texts;

    public SecretScrubber(IEnumerable<string?> secrets)
    {
        _texts = secrets.Where(s => s is { Length: >= MinSecretLength }).Select(s => s!).Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length).ToArray();
        _secrets = _texts.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    public static readonly SecretScrubber None = new([]);

    /// <summary>The provider secrets of the configured endpoints: keys, and values of credential-like headers.</summary>
    public static SecretScrubber For(IEnumerable<UpstreamEndpoint> endpoints) =>
        new(endpoints.SelectMany(e => new[] { e.ApiKey }.Concat(e.Options.Headers.Where(h => IsCredentialHeader(h.Key)).Select(h => h.Value)).Concat(CredentialParts(e.Options.Headers))));

    public bool IsEmpty => _secrets.Length == 0;

    /// <summary>Whether <paramref name="data"/> holds a secret.</summary>
    public bool Contains(ReadOnlySpan<byte> data)
    {
        foreach (var secret in _secrets)
        {
            if (data.IndexOf(secret) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><paramref name="data"/> with every secret replaced, or <paramref name="data"/> itself when it holds none.</summary>
    public ReadOnlyMemory<byte> Scrub(ReadOnlyMemory<byte> data) => Contains(data.Span) ? Replace(data.Span) : data;

    /// <summary>A text with every secret replaced (failure messages that may quote a provider's answer).</summary>
    public string? Scrub(string? text)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var secret in _texts)
        {
            text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>
    /// A writer that passes what is written to <paramref name="inner"/> at each flush, scrubbed (the stream relay flushes
    /// whole events); dispose it (when it is <see cref="IDisposable"/>) once the relay is done.
    /// </summary>
    public PipeWriter Wrap(PipeWriter inner) => IsEmpty ? inner : new ScrubbingWriter(this, inner);

    private byte[] Replace(ReadOnlySpan<byte> data)
    {
        var output = new ArrayBufferWriter<byte>(data.Length);
        var position = 0;
        while (position < data.Length)
        {
            var (at, length) = FirstSecret(data[position..]);
            if (at < 0)
            {
                output.Write(data[position..]);
                break;
            }

            output.Write(data.Slice(position, at));
            output.Write(Redacted);
            position += at + length;
        }

        return output.WrittenSpan.ToArray();
    }

    private (int At, int Length) FirstSecret(ReadOnlySpan<byte> data)
    {
        var best = -1;
        var length = 0;
        foreach (var secret in _secrets)
        {
            var at = data.IndexOf(secret);
            if (at >= 0 && (best < 0 || at < best))
            {
                (best, length) = (at, secret.Length);
            }
        }

        return (best, length);
    }

    private static bool IsCredentialHeader(string name) =>
        name.Contains("key", StringComparison.OrdinalIgnoreCase) || name.Contains("token", StringComparison.OrdinalIgnoreCase) ||
        name.Contains("secret", StringComparison.OrdinalIgnoreCase) || name.Contains("auth", StringComparison.OrdinalIgnoreCase);

    /// <summary>The credential of an <c>Authorization: Bearer …</c> style header value (the scheme alone is no secret).</summary>
    private static IEnumerable<string> CredentialParts(IEnumerable<KeyValuePair<string, string>> headers) =>
        headers.Where(h => IsCredentialHeader(h.Key) && h.Value.Contains(' ', StringComparison.Ordinal)).Select(h => h.Value[(h.Value.LastIndexOf(' ') + 1)..]);

    /// <summary>
    /// Buffers what the relay writes (in a pooled buffer, returned on <see cref="Dispose"/>) and hands it on scrubbed when
    /// the relay flushes (after whole events).
    /// </summary>
    private sealed class ScrubbingWriter(SecretScrubber scrubber, PipeWriter inner) : PipeWriter, IDisposable
    {
        private readonly PooledBuffer _buffer = new(4096);

        public override void Advance(int bytes) => _buffer.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _buffer.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            Pass();
            inner.Complete(exception);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Pass();
            return inner.FlushAsync(cancellationToken);
        }

        /// <summary>Returns the buffer to the pool (the relay has flushed or completed what it wrote).</summary>
        public void Dispose() => _buffer.Dispose();

        private void Pass()
        {
            if (_buffer.Length == 0)
            {
                return;
            }

            var written = _buffer.Span;
            inner.Write(scrubber.Contains(written) ? scrubber.Replace(written) : written);
            _buffer.Clear();
        }
    }
}
