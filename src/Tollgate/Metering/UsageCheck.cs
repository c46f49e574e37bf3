using Tollgate.Alerts;
using Tollgate.Costing;

namespace Tollgate.Metering;

/// <summary>
/// Whether the usage a provider reported can be billed as it stands. Malformed counts (negative, fractional,
/// non-numeric) and implausible ones (any unit above <see cref="MaxTokensPerCall"/>, or more output than
/// <see cref="ImplausibleFactor"/> × the call's worst-case output) are never billed: both doors then bill Tollgate's own
/// count, flag the record <c>estimated</c> with the error class returned here, and raise an alert.
/// </summary>
public sealed class UsageCheck
{
    /// <summary>Error class of a record whose provider usage had a count that is not a non-negative integer.</summary>
    public const string MalformedClass = "usage_malformed";

    /// <summary>Error class of a record whose provider usage was above the plausible bound.</summary>
    public const string ImplausibleClass = "usage_implausible";

    /// <summary>The default bound on any one unit of one call: 10 M tokens.</summary>
    public const long DefaultMaxTokensPerCall = 10_000_000;

    /// <summary>Reported output this many times the call's own worst-case output is implausible.</summary>
    public const long ImplausibleFactor = 100;

    public static readonly UsageCheck Default = new();

    /// <summary>Any unit of one call above this is implausible (configuration: <c>maxUsageTokensPerCall</c>).</summary>
    public long MaxTokensPerCall { get; init; } = DefaultMaxTokensPerCall;

    /// <summary>
    /// Null when <paramref name="usage"/> can be billed; otherwise the error class to record. <paramref name="malformed"/>:
    /// a count was not a non-negative integer; <paramref name="worstCaseOutputTokens"/>: the output the call could bill at
    /// most (0 or less: unknown, not checked).
    /// </summary>
    public string? Problem(Usage usage, bool malformed, long worstCaseOutputTokens)
    {
        if (malformed)
        {
            return MalformedClass;
        }

        if (usage.LargestCount > MaxTokensPerCall)
        {
            return ImplausibleClass;
        }

        return worstCaseOutputTokens > 0 && worstCaseOutputTokens <= long.MaxValue / ImplausibleFactor && usage.OutputTokens > worstCaseOutputTokens * ImplausibleFactor
            ? ImplausibleClass
            : null;
    }

    /// <summary>The alert both doors raise for usage that could not be billed as reported.</summary>
    public static Alert AlertFor(string problem, string requestId, string provider, string model, DateTimeOffset at) => new()
    {
        At = at,
        Severity = AlertSeverity.Warning,
        Kind = problem,
        Message = Describe(problem, requestId, provider, model),
        Details = new Dictionary<string, string> { ["request_id"] = requestId, ["provider"] = provider, ["model"] = model },
    };

    /// <summary>One line for logs and alerts: what was wrong and what was billed instead.</summary>
    public static string Describe(string problem, string requestId, string provider, string model) => problem == MalformedClass
        ? $"request {requestId}: {provider}/{model} reported usage with a count that is not a non-negative integer; billed from Tollgate's own token count (estimated)"
        : $"request {requestId}: {provider}/{model} reported implausible usage (a count above the bound); billed from Tollgate's own token count (estimated)";
}
