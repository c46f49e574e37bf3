namespace Tollgate.Alerts;

/// <summary>How a channel delivers: its queue, the time allowed per try, and the retries with back-off.</summary>
public sealed class AlertDeliveryOptions
{
    /// <summary>Alerts waiting at most; when full the oldest is dropped.</summary>
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>Retries after the first try (0 = none).</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>The first back-off; doubled per retry up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Time allowed for one try.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    public void Validate()
    {
        if (QueueCapacity < 1) throw new ArgumentException("an alert channel's queueCapacity must be at least 1");
        if (MaxRetries < 0) throw new ArgumentException("an alert channel's maxRetries must not be negative");
        if (FirstRetryDelay < TimeSpan.Zero || MaxRetryDelay < TimeSpan.Zero) throw new ArgumentException("an alert channel's retry delays must not be negative");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentException("an alert channel's timeoutSeconds must be positive");
    }
}
