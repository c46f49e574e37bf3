using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Endpoints;

namespace Tollgate.Gateway.Admin;

/// <summary>Reads a small admin request body as JSON, answering 400 with what to fix when it is not.</summary>
internal static class AdminJsonBody
{
    private const int MaxBytes = 64 * 1024;

    public static async ValueTask<JsonDocument?> ReadAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBytes)
        {
            await OpenAiError.WriteAsync(context, 413, $"admin request bodies are limited to {MaxBytes} bytes", "invalid_request_error", "request_too_large");
            return null;
        }

        using var memory = new MemoryStream();
        await context.Request.Body.CopyToAsync(memory, context.RequestAborted);
        if (memory.Length == 0)
        {
            await OpenAiError.BadRequest(context, "the request body is empty: send a JSON object");
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(memory.ToArray());
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

        var text = value.GetString()!.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        if (text.Length > maxLength || text.Any(char.IsControl))
        {
            error ??= $"\"{name}\" must be at most {maxLength} printable characters";
            return null;
        }

        return text;
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
