using System.Globalization;
using Microsoft.Extensions.AI;

namespace Tollgate.Extensions.AI.Internal;

/// <summary>Reads the <see cref="TollgatePropertyKeys"/> of one call's additional properties.</summary>
internal static class PropertyAttribution
{
    /// <summary>True when any <c>tollgate.*</c> key is present (so the options must be cloned and stripped).</summary>
    public static bool HasTollgateKeys(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null || properties.Count == 0)
        {
            return false;
        }

        foreach (var key in properties.Keys)
        {
            if (key.StartsWith(TollgatePropertyKeys.Prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The attribution the properties set (only the keys present), and the request id if given.</summary>
    public static TollgateAttribution Read(AdditionalPropertiesDictionary properties, out string? requestId)
    {
        requestId = AsString(properties, TollgatePropertyKeys.RequestId);
        return new TollgateAttribution
        {
            Tenant = AsString(properties, TollgatePropertyKeys.Tenant),
            Project = AsString(properties, TollgatePropertyKeys.Project),
            User = AsString(properties, TollgatePropertyKeys.User),
            Session = AsString(properties, TollgatePropertyKeys.Session),
            Tags = properties.TryGetValue(TollgatePropertyKeys.Tags, out var tags) ? ParseTags(tags) : TollgateAttribution.EmptyTags,
        };
    }

    /// <summary>A copy of <paramref name="properties"/> without the <c>tollgate.*</c> keys; null when nothing is left.</summary>
    public static AdditionalPropertiesDictionary? WithoutTollgateKeys(AdditionalPropertiesDictionary properties)
    {
        var copy = new AdditionalPropertiesDictionary();
        foreach (var (key, value) in properties)
        {
            if (!key.StartsWith(TollgatePropertyKeys.Prefix, StringComparison.Ordinal))
            {
                copy[key] = value;
            }
        }

        return copy.Count == 0 ? null : copy;
    }

    private static string? AsString(AdditionalPropertiesDictionary properties, string key) =>
        properties.TryGetValue(key, out var value) && value is not null
            ? Convert.ToString(value, CultureInfo.InvariantCulture) is { Length: > 0 } text ? text : null
            : null;

    private static IReadOnlyDictionary<string, string> ParseTags(object? value)
    {
        switch (value)
        {
            case null:
                return TollgateAttribution.EmptyTags;
            case IEnumerable<KeyValuePair<string, string>> pairs:
                return new Dictionary<string, string>(pairs, StringComparer.Ordinal);
            case IEnumerable<KeyValuePair<string, object?>> objectPairs:
                return objectPairs.ToDictionary(
                    p => p.Key,
                    p => Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? "",
                    StringComparer.Ordinal);
            case string text:
                var tags = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var eq = part.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new ArgumentException(
                            $"ChatOptions.AdditionalProperties[\"{TollgatePropertyKeys.Tags}\"] has '{part}': write tags as key=value pairs separated by commas, e.g. \"feature=search,team=core\".");
                    }

                    tags[part[..eq].Trim()] = part[(eq + 1)..].Trim();
                }

                return tags;
            default:
                throw new ArgumentException(
                    $"ChatOptions.AdditionalProperties[\"{TollgatePropertyKeys.Tags}\"] is a {value.GetType().Name}: use a dictionary of strings or a \"key=value,key=value\" string.");
        }
    }
}
