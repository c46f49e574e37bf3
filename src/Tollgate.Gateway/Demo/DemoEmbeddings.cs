using System.Runtime.InteropServices;
using System.Text.Json;

namespace Tollgate.Gateway.Demo;

/// <summary>
/// The demo provider's embeddings, shaped like OpenAI's: one unit-length vector per input, at the model's dimension
/// (or the request's <c>dimensions</c>), as floats or — <c>encoding_format: base64</c>, what the official SDKs ask for —
/// little-endian float32 in base64. The same text always gets the same vector.
/// </summary>
internal static class DemoEmbeddings
{
    /// <summary>OpenAI's published output sizes.</summary>
    public static int DimensionOf(string model) => model switch
    {
        "text-embedding-3-large" => 3072,
        _ => 1536,
    };

    public static string Response(JsonElement root, string model)
    {
        var inputs = Inputs(root);
        var dimensions = root.TryGetProperty("dimensions", out var d) && d.TryGetInt32(out var asked) && asked > 0 ? Math.Min(asked, DimensionOf(model)) : DimensionOf(model);
        var base64 = root.TryGetProperty("encoding_format", out var f) && f.ValueKind == JsonValueKind.String && f.GetString() == "base64";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            var tokens = 0;
            for (var i = 0; i < inputs.Count; i++)
            {
                var vector = Vector(inputs[i], dimensions);
                tokens += Math.Max(1, (inputs[i].Length + 3) / 4);
                writer.WriteStartObject();
                writer.WriteString("object", "embedding");
                writer.WriteNumber("index", i);
                if (base64)
                {
                    writer.WriteBase64String("embedding", MemoryMarshal.AsBytes(vector.AsSpan()));
                }
                else
                {
                    writer.WriteStartArray("embedding");
                    foreach (var x in vector)
                    {
                        writer.WriteNumberValue(x);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("model", model);
            writer.WriteStartObject("usage");
            writer.WriteNumber("prompt_tokens", tokens);
            writer.WriteNumber("total_tokens", tokens);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The texts to embed: a string, an array of strings, or token arrays (described by their JSON).</summary>
    private static List<string> Inputs(JsonElement root)
    {
        if (!root.TryGetProperty("input", out var input))
        {
            return [""];
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            return [input.GetString()!];
        }

        if (input.ValueKind == JsonValueKind.Array && input.GetArrayLength() > 0 && input[0].ValueKind is JsonValueKind.String or JsonValueKind.Array)
        {
            return [.. input.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())];
        }

        return [input.GetRawText()];
    }

    private static float[] Vector(string text, int dimensions)
    {
        var random = new Random(StableHash(text));
        var vector = new float[dimensions];
        double norm = 0;
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = (float)((random.NextDouble() * 2) - 1);
            norm += vector[i] * vector[i];
        }

        var scale = (float)(1 / Math.Sqrt(norm));
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] *= scale;
        }

        return vector;
    }

    /// <summary>FNV-1a over the UTF-16 text: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }
}
