using System.Text.RegularExpressions;

namespace Tollgate.Gateway.Configuration;

/// <summary>
/// Rewrites framework messages (configuration binding, command-line parsing) that name .NET types —
/// <c>to type 'System.Nullable`1[System.Int32]'</c> — into what a person should write: <c>expected a whole number</c>.
/// </summary>
public static partial class FriendlyTypeNames
{
    /// <summary>The message with every quoted .NET type name replaced by a description of the expected value.</summary>
    public static string Rewrite(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (UnknownProperties().Match(message) is { Success: true } unknown)
        {
            return $"unknown setting {unknown.Groups["names"].Value.TrimEnd('.')}: check its spelling against docs/gateway.md";
        }

        if (JsonConversion().Match(message) is { Success: true } json)
        {
            var line = int.Parse(json.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture) + 1;
            return $"{json.Groups["path"].Value} (line {line}) has a value of the wrong type: expected {Describe(json.Groups["type"].Value)}";
        }

        message = ExpectedType().Replace(message, m => ": expected " + Describe(m.Groups["type"].Value));
        message = OnType().Replace(message, "");
        return QuotedType().Replace(message, m => Describe(m.Groups["type"].Value));
    }

    /// <summary>What a value of the type looks like, in words.</summary>
    public static string Describe(string typeName)
    {
        var inner = NullableOf().Match(typeName) is { Success: true } n ? n.Groups[1].Value : typeName;
        return inner switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt32" or "System.UInt64" or "System.UInt16" or "System.Byte" => "a whole number",
            "System.Decimal" or "System.Double" or "System.Single" => "a number",
            "System.Boolean" => "true or false",
            "System.DateTimeOffset" or "System.DateTime" => "a date and time (ISO 8601, e.g. 2026-01-31T12:00:00Z)",
            "System.TimeSpan" => "a duration (e.g. 00:00:30)",
            "System.String" => "a text value",
            "System.IO.FileInfo" => "a file path",
            "System.Uri" => "a URL",
            _ when inner.EndsWith("[]", StringComparison.Ordinal) || inner.Contains("List`1", StringComparison.Ordinal) => "a list of values",
            _ when inner.Contains("Dictionary`2", StringComparison.Ordinal) => "an object of names and values",
            _ => "a value of the documented form (see the docs for this setting)",
        };
    }

    [GeneratedRegex(@"'ErrorOnUnknownConfiguration' was set on the provided BinderOptions, but the following properties were not found on the instance of \S+: (?<names>.+)$")]
    private static partial Regex UnknownProperties();

    [GeneratedRegex(@"The JSON value could not be converted to (?<type>\S+?)\. Path: (?<path>\S+) \| LineNumber: (?<line>\d+)")]
    private static partial Regex JsonConversion();

    [GeneratedRegex(@"\s*(?:as expected type|to type) '(?<type>[^']+)'")]
    private static partial Regex ExpectedType();

    [GeneratedRegex(@"\s*(?:on|of) type '(?<type>(?:System|Tollgate|Microsoft)\.[^']+)'")]
    private static partial Regex OnType();

    [GeneratedRegex(@"'(?<type>(?:System|Tollgate|Microsoft)\.[A-Za-z0-9_.`\[\],]+)'")]
    private static partial Regex QuotedType();

    [GeneratedRegex(@"^System\.Nullable`1\[(.+)\]$")]
    private static partial Regex NullableOf();
}
