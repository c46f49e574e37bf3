using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tollgate.Metering.Fingerprints;

/// <summary>
/// The canonical text of a parameter or schema, the same whichever door saw it: numbers in their shortest round-trip
/// form (a JSON <c>0.70</c> and a <c>float</c> 0.7 are both <c>0.7</c>), JSON with object members sorted by name and no
/// whitespace.
/// </summary>
public static class CanonicalValues
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A JSON value's canonical text: a number as <see cref="Number(double)"/>, a string as itself, anything else as sorted compact JSON.</summary>
    public static string Of(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.TryGetDouble(out var d) ? Number(d) : value.GetRawText(),
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => System.Text.Encoding.UTF8.GetString(Json(value)),
    };

    /// <summary>A string as canonical JSON text (quoted, escaped as <see cref="Json"/> escapes it).</summary>
    public static string String(string value)
    {
        var buffer = new ArrayBufferWriter<byte>(value.Length + 2);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStringValue(value);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The canonical text of stop sequences: a JSON array of strings (a single <c>"stop"</c> string is a list of one).</summary>
    public static string Stop(IEnumerable<string> sequences)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartArray();
            foreach (var sequence in sequences)
            {
                writer.WriteStringValue(sequence);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Compact JSON with object members sorted by name (ordinal), UTF-8; <paramref name="except"/> names a top-level member left out.</summary>
    public static byte[] Json(JsonElement value, string? except = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            Write(writer, value, except);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, JsonElement value, string? except = null)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in value.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (property.Name == except)
                    {
                        continue;
                    }

                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.Number when value.TryGetDouble(out var d):
                writer.WriteRawValue(Number(d));
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }
}
