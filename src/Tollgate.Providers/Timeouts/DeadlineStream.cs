namespace Tollgate.Providers.Timeouts;

/// <summary>
/// Reads an upstream body with two limits: the longest silence between two chunks (idle) and a deadline for the whole
/// call (total). Either one ends the read with an <see cref="UpstreamTimeoutException"/> and sets <see cref="TimedOut"/>;
/// the caller's own cancellation (the client went away) is passed through untouched.
/// </summary>
public sealed class DeadlineStream : Stream
{
    private readonly Stream _inner;
    private readonly TimeSpan _idle;
    private readonly long _deadline;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _timer;

    /// <param name="inner">The upstream body.</param>
    /// <param name="idle">Longest wait for one read.</param>
    /// <param name="deadline">The <see cref="TimeProvider.GetTimestamp"/> after which no read may finish.</param>
    /// <param name="time">The clock (tests use a fake one).</param>
    public DeadlineStream(Stream inner, TimeSpan idle, long deadline, TimeProvider time)
    {
        _inner = inner;
        _idle = idle;
        _deadline = deadline;
        _time = time;
        _timer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    /// <summary>Why the body was cut: a description naming the limit; null while it was not.</summary>
    public string? TimedOut { get; private set; }

    /// <summary>The timestamp <paramref name="total"/> after <paramref name="start"/>, as a deadline for this stream.</summary>
    public static long DeadlineOf(long start, TimeSpan total, TimeProvider time) =>
        total >= TimeSpan.FromDays(365) ? long.MaxValue : start + (long)(total.TotalSeconds * time.TimestampFrequency);

    /// <summary>What is left until <paramref name="deadline"/> (zero when past).</summary>
    public static TimeSpan Remaining(long deadline, TimeProvider time)
    {
        if (deadline == long.MaxValue)
        {
            return Timeout.InfiniteTimeSpan;
        }

        var ticks = deadline - time.GetTimestamp();
        return ticks <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(ticks / (double)time.TimestampFrequency);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TimedOut is not null)
        {
            throw new UpstreamTimeoutException(TimedOut);
        }

        var remaining = Remaining(_deadline, _time);
        var total = remaining != Timeout.InfiniteTimeSpan && remaining <= _idle;
        var wait = total ? remaining : _idle;
        if (wait <= TimeSpan.Zero)
        {
            throw Expired(total: true);
        }

        _timer.CancelAfter(wait);
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _timer)
            : default;
        try
        {
            var read = await _inner.ReadAsync(buffer, _timer.Token);
            _timer.CancelAfter(Timeout.InfiniteTimeSpan);
            return read;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && _timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Expired(total);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private UpstreamTimeoutException Expired(bool total)
    {
        TimedOut = total
            ? "the call ran past its total timeout"
            : $"no data for {_idle.TotalSeconds:0.###} s (idle timeout)";
        return new UpstreamTimeoutException(TimedOut);
    }
}
