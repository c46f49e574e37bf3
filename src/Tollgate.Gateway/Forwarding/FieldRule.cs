using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// One top-level field of a door's request: the kinds of value it takes, a numeric range, the kinds of its array's
/// elements. Checked on the value the inspector's reader is on, so no second parse is needed.
/// </summary>
internal sealed class FieldRule(string name, JsonKinds kinds, double? min = null, double? max = null, JsonKinds elements = JsonKinds.None, bool nonEmpty = false)
{
    public string Name { get; } = name;

    public byte[] Utf8Name { get; } = Encoding.UTF8.GetBytes(name);

    public JsonKinds Kinds { get; } = kinds;

    /// <summary>The kinds an array value's elements take (None: not checked here).</summary>
    public JsonKinds Elements { get; } = elements;

    /// <summary>An array value must have at least one element.</summary>
    public bool NonEmpty { get; } = nonEmpty;

    /// <summary>The value's kind and range; the reader is not moved.</summary>
    public RequestProblem? CheckValue(ref Utf8JsonReader reader)
    {
        if (!JsonKindsText.Accepts(Kinds, ref reader))
        {
            return new RequestProblem($"\"{Name}\" must be {JsonKindsText.Describe(Kinds)}, not {JsonKindsText.Found(reader.TokenType)}", Name);
        }

        if (reader.TokenType == JsonTokenType.Number && (min is not null || max is not null))
        {
            if (!reader.TryGetDouble(out var value) || value < (min ?? double.MinValue) || value > (max ?? double.MaxValue))
            {
                return new RequestProblem($"\"{Name}\" must be {JsonKindsText.Describe(Kinds & (JsonKinds.Number | JsonKinds.Integer))} {Range()}", Name);
            }
        }

        return null;
    }

    /// <summary>The elements of an array value (on a copy of the reader: for small fields the inspector does not walk itself).</summary>
    public RequestProblem? CheckElements(Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray || (Elements == JsonKinds.None && !NonEmpty))
        {
            return null;
        }

        var depth = reader.CurrentDepth;
        var index = 0;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth))
        {
            if (Elements != JsonKinds.None && !JsonKindsText.Accepts(Elements, ref reader))
            {
                return ElementProblem(index, reader.TokenType);
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }

            index++;
        }

        return index == 0 && NonEmpty ? EmptyProblem() : null;
    }

    public RequestProblem ElementProblem(int index, JsonTokenType found) =>
        new($"\"{Name}[{index}]\" must be {JsonKindsText.Describe(Elements)}, not {JsonKindsText.Found(found)}", Name);

    public RequestProblem EmptyProblem() => new($"\"{Name}\" is empty: send at least one element", Name);

    private string Range() =>
        min is { } low && max is { } high ? $"from {Format(low)} to {Format(high)}"
        : min is { } from ? $"of at least {Format(from)}"
        : $"of at most {Format(max!.Value)}";

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
