using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>How an upstream status steers the fallback chain.</summary>
internal static class FallbackDecision
{
    public static AttemptOutcome Of(int status) => status switch
    {
        >= 200 and < 300 => AttemptOutcome.Success,
        429 or >= 500 => AttemptOutcome.Retryable,
        401 or 403 or 404 => AttemptOutcome.NextCandidate,
        _ => AttemptOutcome.Fatal,
    };
}
