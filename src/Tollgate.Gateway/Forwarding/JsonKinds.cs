using System.Text.Json;

namespace Tollgate.Gateway.Forwarding;

/// <summary>The JSON value kinds a request field accepts (a set), and the words that name them in an error.</summary>
[Flags]
internal enum JsonKinds
{
    None = 0,
    String = 1 << 0,

    /// <summary>Any number (an <see cref="Integer"/> is a number too).</summary>
    Number = 1 << 1,
    Integer = 1 << 2,
    Boolean = 1 << 3,
    Object = 1 << 4,
    Array = 1 << 5,
    Null = 1 << 6,
}

/// <summary>Reading a value's kind off a reader and describing kinds in errors.</summary>
internal static class JsonKindsText
{
    /// <summary>Whether the value the reader is on is one of <paramref name="kinds"/> (an integer is a number; 1.0 is not an integer).</summary>
    public static bool Accepts(JsonKinds kinds, ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => (kinds & JsonKinds.String) != 0,
        JsonTokenType.Number => (kinds & JsonKinds.Number) != 0 || ((kinds & JsonKinds.Integer) != 0 && reader.TryGetInt64(out _)),
        JsonTokenType.True or JsonTokenType.False => (kinds & JsonKinds.Boolean) != 0,
        JsonTokenType.StartObject => (kinds & JsonKinds.Object) != 0,
        JsonTokenType.StartArray => (kinds & JsonKinds.Array) != 0,
        JsonTokenType.Null => (kinds & JsonKinds.Null) != 0,
        _ => false,
    };

    /// <summary>"a string or an array", for an error message (null is left out: it means "unset").</summary>
    public static string Describe(JsonKinds kinds)
    {
        var words = new List<string>(4);
        if ((kinds & JsonKinds.String) != 0)
        {
            words.Add("a string");
        }

        if ((kinds & JsonKinds.Number) != 0)
        {
            words.Add("a number");
        }
        else if ((kinds & JsonKinds.Integer) != 0)
        {
            words.Add("an integer");
        }

        if ((kinds & JsonKinds.Boolean) != 0)
        {
            words.Add("true or false");
        }

        if ((kinds & JsonKinds.Object) != 0)
        {
            words.Add("an object");
        }

        if ((kinds & JsonKinds.Array) != 0)
        {
            words.Add("an array");
        }

        return words.Count switch
        {
            0 => "null",
            1 => words[0],
            _ => string.Join(", ", words.Take(words.Count - 1)) + " or " + words[^1],
        };
    }

    /// <summary>What the value the reader is on is, for "got …" in an error.</summary>
    public static string Found(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.Null => "null",
        _ => "something else",
    };
}
