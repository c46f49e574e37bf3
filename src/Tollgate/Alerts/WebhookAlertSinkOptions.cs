namespace Tollgate.Alerts;

/// <summary>Settings of <see cref="WebhookAlertSink"/>.</summary>
public sealed class WebhookAlertSinkOptions
{
    /// <summary>Where alerts are POSTed (a Slack incoming-webhook URL or any receiver of the same JSON).</summary>
    public Uri? Url { get; set; }

    /// <summary>The body's shape: Slack-compatible (default) or Tollgate's plain JSON schema.</summary>
    public WebhookFormat Format { get; set; } = WebhookFormat.Slack;

    /// <summary>Attempts after the first one.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>First retry delay; doubles each time (with jitter).</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public void Validate()
    {
        if (Url is null || !Url.IsAbsoluteUri || (Url.Scheme != Uri.UriSchemeHttp && Url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("webhook Url must be an absolute http(s) URL", nameof(Url));
        }

        if (MaxRetries is < 0 or > 20)
        {
            throw new ArgumentException("MaxRetries must be between 0 and 20", nameof(MaxRetries));
        }

        if (FirstRetryDelay < TimeSpan.Zero || Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("FirstRetryDelay must not be negative and Timeout must be positive");
        }
    }
}
