using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Tollgate.Gateway.Endpoints;

/// <summary>
/// Writes errors in Anthropic's shape <c>{"type": "error", "error": {"type", "message"}}</c> with Anthropic's error
/// types, so the official Anthropic SDKs raise their own error classes. Tollgate's code and details (a budget's numbers)
/// ride along inside <c>error</c>.
/// </summary>
internal static class AnthropicError
{
    /// <summary>True when the request came through an endpoint marked <see cref="AnthropicDoor"/>.</summary>
    public static bool Applies(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<AnthropicDoor>() is not null;

    /// <summary>Anthropic's error type for an HTTP status (its documented table).</summary>
    public static string TypeFor(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status404NotFound => "not_found_error",
        StatusCodes.Status413PayloadTooLarge => "request_too_large",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        StatusCodes.Status503ServiceUnavailable or 529 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    public static Task WriteAsync(HttpContext context, int status, string message, string? code, IReadOnlyDictionary<string, object?>? extra)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "error");
            writer.WriteStartObject("error");
            writer.WriteString("type", TypeFor(status));
            writer.WriteString("message", message);
            if (code is not null)
            {
                writer.WriteString("code", code);
            }

            if (extra is not null)
            {
                foreach (var (name, value) in extra)
                {
                    writer.WritePropertyName(name);
                    JsonSerializer.Serialize(writer, value, GatewayJson.Options);
                }
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }
}
