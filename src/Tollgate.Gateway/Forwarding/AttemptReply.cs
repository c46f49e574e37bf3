using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// What one attempt left for the caller: written to the client already, a refusal to write, or a provider's failed
/// answer kept (status, body, cost) in case no other provider does better.
/// </summary>
internal sealed class AttemptReply
{
    public static readonly AttemptReply Done = new() { Written = true };

    public bool Written { get; init; }

    public Admission? Admission { get; init; }

    public int Status { get; init; }

    public string? ContentType { get; init; }

    public byte[]? Body { get; init; }

    public string Provider { get; init; } = "";

    public Settlement? Settlement { get; init; }

    /// <summary>Why the attempt failed, for the 502 when nothing answered.</summary>
    public string? Failure { get; init; }

    public static AttemptResult<AttemptReply> Answered => new(Done, AttemptOutcome.Success);

    public static AttemptResult<AttemptReply> Unreachable(string failure) => new(new AttemptReply { Failure = failure }, AttemptOutcome.Retryable, null, failure);

    /// <summary>The provider's Retry-After, passed on with its answer.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static AttemptResult<AttemptReply> Failed(CallContext call, int status, string? contentType, byte[] body, Settlement settlement, TimeSpan? retryAfter) =>
        new(new AttemptReply { Status = status, ContentType = contentType, Body = body, Provider = call.Endpoint.Name, Settlement = settlement, RetryAfter = retryAfter, Failure = $"provider '{call.Endpoint.Name}' answered HTTP {status}" },
            FallbackDecision.Of(status), retryAfter, $"HTTP {status}", BackPressure: status == 429);
}
