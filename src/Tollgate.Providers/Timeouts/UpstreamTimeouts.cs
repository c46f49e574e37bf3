namespace Tollgate.Providers.Timeouts;

/// <summary>How a provider's timeouts combine for one call.</summary>
public static class UpstreamTimeouts
{
    /// <summary>The wait for response headers: the provider's time to first byte, cut to what the total timeout leaves.</summary>
    public static TimeSpan FirstByte(ProviderOptions options, long deadline, TimeProvider time)
    {
        var left = DeadlineStream.Remaining(deadline, time);
        if (left == Timeout.InfiniteTimeSpan)
        {
            return options.Timeout;
        }

        // A CancellationTokenSource needs a positive delay; an expired deadline cancels at once.
        return left < options.Timeout ? (left <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : left) : options.Timeout;
    }
}
