using System.Net;

namespace Tollgate.Providers.Timeouts;

/// <summary>
/// A request body that remembers whether it was handed to the connection in full: a timeout before that means the
/// provider cannot have started on the call (nothing to bill); after it, the provider may have (bill Tollgate's count).
/// </summary>
public sealed class SendTrackingContent : HttpContent
{
    private readonly HttpContent _inner;

    public SendTrackingContent(HttpContent inner)
    {
        _inner = inner;
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    /// <summary>True once the whole body was written to the connection.</summary>
    public bool Sent { get; private set; }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await _inner.CopyToAsync(stream, context, cancellationToken);
        Sent = true;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        if (_inner.Headers.ContentLength is { } known)
        {
            length = known;
            return true;
        }

        length = -1;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
