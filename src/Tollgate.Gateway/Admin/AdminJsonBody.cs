using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Endpoints;

namespace Tollgate.Gateway.Admin;

/// <summary>Reads a small admin request body as JSON, answering 400 with what to fix when it is not.</summary>
internal static class AdminJsonBody
{
    private const int MaxBytes = 64 * 1024;

    /// <summary>
    /// The body as a JSON object whose top-level names are all in <paramref name="fields"/> (each once) and whose strings
    /// are all text (no lone surrogate escape); otherwise 415/400 naming what to fix is written and null returned.
    /// </summary>
    public static async ValueTask<JsonDocument?> ReadAsync(HttpContext context, IReadOnlyCollection<string> fields)
    {
        if (Forwarding.RequestBodyReader.NotJson(context.Request) is { } mediaType)
        {
            await Forwarding.RequestBodyReader.WriteNotJsonAsync(context, mediaType);
            return null;
        }

        var document = await ReadAsync(context);
        if (document is null)
        {
            return null;
        }

        if (Strictness(document.RootElement, fields) is { } problem)
        {
            document.Dispose();
            await OpenAiError.BadRequest(context, problem.Message, problem.Param);
            return null;
        }

        return document;
    }

    /// <summary>Unknown or repeated top-level fields, and strings that are no text, anywhere in the body.</summary>
    private static (string Message, string? Param)? Strictness(JsonElement root, IReadOnlyCollection<string> fields)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!IsText(property))
            {
                return ("the request body has a name with an invalid \\u escape: send valid JSON text", null);
            }

            if (!fields.Contains(property.Name))
            {
                return ($"\"{Printable(property.Name)}\" is not a field of this request: use {string.Join(", ", fields)}", Printable(property.Name));
            }

            if (!seen.Add(property.Name))
            {
                return ($"\"{property.Name}\" is given more than once: send each field once", property.Name);
            }

            if (FirstNonText(property.Value) is { } path)
            {
                return ($"\"{property.Name}{path}\" has a string with an invalid \\u escape (a lone surrogate): send valid text", property.Name);
            }
        }

        return null;
    }

    private static bool IsText(JsonProperty property)
    {
        try
        {
            _ = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The path below a value of the first string that does not decode to text ("" for the value itself), or null.</summary>
    private static string? FirstNonText(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                try
                {
                    _ = value.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return "";
                }

            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (!IsText(property))
                    {
                        return ".?";
                    }

                    if (FirstNonText(property.Value) is { } inner)
                    {
                        return "." + property.Name + inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (FirstNonText(item) is { } inner)
                    {
                        return $"[{index}]{inner}";
                    }

                    index++;
                }

                return null;
            default:
                return null;
        }
    }

    private static string Printable(string text) => text.Length > 64 || text.Any(char.IsControl) ? "(unprintable name)" : text;

    public static async ValueTask<JsonDocument?> ReadAsync(HttpContext context)
    {
        // Bounded whatever the framing: a chunked body without Content-Length stops being read past the limit too.
        var (body, tooLarge) = await Forwarding.RequestBodyReader.ReadAsync(context.Request, MaxBytes, context.RequestAborted);
        if (tooLarge)
        {
            await OpenAiError.WriteAsync(context, 413, $"admin request bodies are limited to {MaxBytes} bytes", "invalid_request_error", "request_too_large");
            return null;
        }

        using var memory = body!;
        if (memory.Length == 0)
        {
            await OpenAiError.BadRequest(context, "the request body is empty: send a JSON object");
            return null;
        }

        try
        {
            // A copy: the document keeps the bytes it parsed, and the pooled buffer goes back to its pool.
            var document = JsonDocument.Parse(memory.Span.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                await OpenAiError.BadRequest(context, "the request body must be a JSON object");
                return null;
            }

            return document;
        }
        catch (JsonException ex)
        {
            await OpenAiError.BadRequest(context, $"the request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})", code: "invalid_json");
            return null;
        }
    }

    /// <summary>An optional string property; sets <paramref name="error"/> when present with another type or too long.</summary>
    public static string? OptionalString(JsonElement root, string name, ref string? error, int maxLength = 200)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            error ??= $"\"{name}\" must be a string";
            return null;
        }

        var raw = value.GetString()!;
        if (raw.Any(char.IsControl))
        {
            error ??= $"\"{name}\" has a line break or control character: send printable text";
            return null;
        }

        var text = raw.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        if (text.Length > maxLength)
        {
            error ??= $"\"{name}\" must be at most {maxLength} printable characters";
            return null;
        }

        return text;
    }

    /// <summary>An optional boolean property; sets <paramref name="error"/> when present with another type.</summary>
    public static bool? OptionalBoolean(JsonElement root, string name, ref string? error)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            error ??= $"\"{name}\" must be true or false";
            return null;
        }

        return value.ValueKind == JsonValueKind.True;
    }

    public static long? OptionalPositiveLong(JsonElement root, string name, ref string? error)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number) || number <= 0)
        {
            error ??= $"\"{name}\" must be a positive integer";
            return null;
        }

        return number;
    }
}
