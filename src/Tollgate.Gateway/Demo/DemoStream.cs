namespace Tollgate.Gateway.Demo;

/// <summary>
/// A server-sent-event body produced lazily, one step per read: each step waits its delay (on the gateway's
/// <see cref="TimeProvider"/>) and then yields its frames, so a demo stream arrives at a real provider's pace.
/// </summary>
internal sealed class DemoStream(TimeProvider time, Func<int, (TimeSpan Delay, string[] Frames)?> step, CancellationToken cancellationToken) : Stream
{
    private readonly Queue<byte[]> _ready = new();
    private int _next;
    private bool _finished;
    private ReadOnlyMemory<byte> _current;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token = default)
    {
        while (_current.IsEmpty)
        {
            if (_ready.Count == 0 && !await ProduceAsync(token))
            {
                return 0;
            }

            if (_ready.Count > 0)
            {
                _current = _ready.Dequeue();
            }
        }

        var n = Math.Min(buffer.Length, _current.Length);
        _current[..n].CopyTo(buffer);
        _current = _current[n..];
        return n;
    }

    private async Task<bool> ProduceAsync(CancellationToken token)
    {
        if (_finished || step(_next++) is not { } next)
        {
            _finished = true;
            return false;
        }

        if (next.Delay > TimeSpan.Zero)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, cancellationToken);
            await Task.Delay(next.Delay, time, linked.Token);
        }

        foreach (var frame in next.Frames)
        {
            _ready.Enqueue(System.Text.Encoding.UTF8.GetBytes(frame));
        }

        return true;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read the demo stream asynchronously");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
