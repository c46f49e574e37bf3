namespace Tollgate.Providers.Timeouts;

/// <summary>An upstream body stalled past its idle timeout or ran past its total timeout (an <see cref="IOException"/>, so readers treat it as a cut).</summary>
public sealed class UpstreamTimeoutException(string message) : IOException(message)
{
    /// <summary>The error class recorded for calls that ended this way.</summary>
    public const string ErrorClass = "upstream_timeout";
}
