namespace Tollgate.Gateway.Forwarding;

/// <summary>Whether a call may go ahead; when not, the HTTP status, error code and message to answer with.</summary>
internal readonly record struct Admission(bool Allowed, int Status, string? Code, string? Message, TimeSpan? RetryAfter, IReadOnlyDictionary<string, object?>? Details)
{
    public static readonly Admission Allow = new(true, 200, null, null, null, null);

    public static Admission Refuse(int status, string code, string message, TimeSpan? retryAfter = null, IReadOnlyDictionary<string, object?>? details = null) =>
        new(false, status, code, message, retryAfter, details);
}
