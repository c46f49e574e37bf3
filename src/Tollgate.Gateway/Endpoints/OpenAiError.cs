using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Tollgate.Gateway.Endpoints;

/// <summary>
/// Writes errors in the OpenAI shape <c>{"error": {"message", "type", "param", "code"}}</c> — or, on an endpoint of
/// Anthropic's API (<see cref="AnthropicDoor"/>), in Anthropic's shape, so every error path of a door speaks its own format.
/// </summary>
internal static class OpenAiError
{
    public static Task WriteAsync(HttpContext context, int status, string message, string type, string? code, string? param = null, IReadOnlyDictionary<string, object?>? extra = null)
    {
        if (AnthropicError.Applies(context))
        {
            return AnthropicError.WriteAsync(context, status, message, code, extra);
        }

        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", type);
            if (param is null)
            {
                writer.WriteNull("param");
            }
            else
            {
                writer.WriteString("param", param);
            }

            if (code is null)
            {
                writer.WriteNull("code");
            }
            else
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

    public static Task BadRequest(HttpContext context, string message, string? param = null, string code = "invalid_request") =>
        WriteAsync(context, StatusCodes.Status400BadRequest, message, "invalid_request_error", code, param);

    public static Task Unauthorized(HttpContext context, string message) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized, message, "invalid_request_error", "invalid_api_key");

    public static Task Forbidden(HttpContext context, string message) =>
        WriteAsync(context, StatusCodes.Status403Forbidden, message, "permission_error", "forbidden");

    public static Task NotFound(HttpContext context, string message, string code = "not_found") =>
        WriteAsync(context, StatusCodes.Status404NotFound, message, "invalid_request_error", code);
}
