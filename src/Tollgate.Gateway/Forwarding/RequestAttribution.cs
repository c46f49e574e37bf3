using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tollgate.Analytics;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Tags and session a caller sets on a model call with <c>x-tollgate-tags: feature=search,team=ml</c> and
/// <c>x-tollgate-session: ID</c>, validated by the <see cref="TagSet"/> rules and recorded in the ledger with every attempt;
/// plus the body's own labels (<see cref="WithBody"/>): OpenAI's <c>metadata</c> and <c>user</c>, Anthropic's
/// <c>metadata.user_id</c>.
/// </summary>
internal sealed record RequestAttribution(IReadOnlyDictionary<string, string> Tags, string? SessionId)
{
    public const string TagsHeader = "x-tollgate-tags";
    public const string SessionHeader = "x-tollgate-session";
    public const int MaxSessionLength = 128;

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

    /// <summary>The tag a body's <c>user</c> (OpenAI) or <c>metadata.user_id</c> (Anthropic) is recorded as.</summary>
    public const string UserTag = "user";

    /// <summary>OpenAI's own limits on <c>metadata</c>: a request past them is refused (the provider would refuse it too).</summary>
    public const int MaxMetadataPairs = 16;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 512;

    /// <summary>
    /// Adds the labels in the body (<paramref name="info"/> holds where they are) as tags. A header tag wins over a
    /// <c>metadata</c> entry of the same key, which wins over <c>user</c>. Entries within the provider's limits that the
    /// tag rules do not accept as they are (a key with other characters, a value over 128 characters) are forwarded but
    /// not recorded; past the provider's limits the request is refused with the reason (null returned).
    /// </summary>
    public RequestAttribution? WithBody(ReadOnlySpan<byte> body, in RequestInfo info, out string? error)
    {
        error = null;
        if (info.MetadataValue.Length == 0 && info.UserValue.Length == 0)
        {
            return this;
        }

        var tags = new Dictionary<string, string>(Tags, StringComparer.Ordinal);
        if (info.MetadataValue.Length > 0)
        {
            var reader = new Utf8JsonReader(body.Slice(info.MetadataValue.Start, info.MetadataValue.Length));
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                var pairs = 0;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    if (++pairs > MaxMetadataPairs)
                    {
                        error = $"metadata: at most {MaxMetadataPairs} key-value pairs are allowed";
                        return null;
                    }

                    if (key.Length > MaxMetadataKeyLength)
                    {
                        error = $"metadata: key '{key[..40]}…' is longer than {MaxMetadataKeyLength} characters";
                        return null;
                    }

                    if (reader.TokenType != JsonTokenType.String)
                    {
                        // Anthropic's metadata holds only user_id; other providers' non-string values are not labels.
                        reader.Skip();
                        continue;
                    }

                    var value = reader.GetString()!;
                    if (value.Length > MaxMetadataValueLength)
                    {
                        error = $"metadata.{key}: a value is at most {MaxMetadataValueLength} characters";
                        return null;
                    }

                    var tagKey = key == "user_id" ? UserTag : key;
                    if (TagSet.Check(tagKey, value) is null)
                    {
                        tags.TryAdd(tagKey, value);
                    }
                }
            }
        }

        if (info.UserValue.Length > 0)
        {
            var reader = new Utf8JsonReader(body.Slice(info.UserValue.Start, info.UserValue.Length));
            reader.Read();
            if (reader.TokenType == JsonTokenType.String && reader.GetString() is { } user && TagSet.Check(UserTag, user) is null)
            {
                tags.TryAdd(UserTag, user);
            }
        }

        if (tags.Count > TagSet.MaxTags)
        {
            error = $"{tags.Count} tags from {TagsHeader} and the body's metadata/user; at most {TagSet.MaxTags} are allowed";
            return null;
        }

        return tags.Count == Tags.Count ? this : this with { Tags = tags };
    }
}
