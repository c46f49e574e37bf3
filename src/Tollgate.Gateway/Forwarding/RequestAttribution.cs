using Microsoft.AspNetCore.Http;
using Tollgate.Analytics;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Tags and session a caller sets on a model call with <c>x-tollgate-tags: feature=search,team=ml</c> and
/// <c>x-tollgate-session: ID</c>, validated by the <see cref="TagSet"/> rules and recorded in the ledger with every attempt.
/// </summary>
internal sealed record RequestAttribution(IReadOnlyDictionary<string, string> Tags, string? SessionId)
{
    public const string TagsHeader = "x-tollgate-tags";
    public const string SessionHeader = "x-tollgate-session";
    public const int MaxSessionLength = 128;

    private static readonly object ItemKey = new();

    public static RequestAttribution None { get; } = new(new Dictionary<string, string>(0), null);

    /// <summary>Reads the headers; null with the reason (for a 400) when they break the rules.</summary>
    public static RequestAttribution? Parse(IHeaderDictionary headers, out string? error)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var tagsText = headers.TryGetValue(TagsHeader, out var tagValues) ? string.Join(',', tagValues.ToArray()) : null;
        var session = headers.TryGetValue(SessionHeader, out var sessionValues) ? sessionValues.ToString().Trim() : null;
        if (string.IsNullOrEmpty(tagsText) && string.IsNullOrEmpty(session))
        {
            error = null;
            return None;
        }

        var problem = TagSet.TryParse(tagsText, out var tags);
        if (problem is not null)
        {
            error = $"{TagsHeader}: {problem}";
            return null;
        }

        if (session is { Length: > MaxSessionLength } || (session?.Any(char.IsControl) ?? false))
        {
            error = $"{SessionHeader}: a session id is at most {MaxSessionLength} characters without control characters";
            return null;
        }

        error = null;
        return new RequestAttribution(tags, string.IsNullOrEmpty(session) ? null : session);
    }

    /// <summary>Keeps the parsed attribution with the request, for every attempt of the call.</summary>
    public void AttachTo(HttpContext context) => context.Items[ItemKey] = this;

    public static RequestAttribution Of(HttpContext context) => context.Items[ItemKey] as RequestAttribution ?? None;
}
