using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Forwarding;
using Tollgate.Routing;
using Tollgate.Tokens;

namespace Tollgate.Gateway.Endpoints;

/// <summary>
/// <c>POST /v1/messages/count_tokens</c>: Anthropic's request (<c>model</c>, <c>system</c>, <c>messages</c>,
/// <c>tools</c>) and answer (<c>{"input_tokens": N}</c>), counted locally with <see cref="ChatTokenCounter"/>
/// (Anthropic's tokenizer is not public: an o200k count scaled up, the same figure budget holds use). Free: nothing is
/// forwarded or recorded.
/// </summary>
internal static class CountTokensEndpoint
{
    private static readonly ChatTokenCounter Counter = new();

    public static void Map(IEndpointRouteBuilder app, KeyAuthenticator authenticator, GatewayRouter router, long maxBodyBytes)
    {
        app.MapPost("/v1/messages/count_tokens", async context =>
        {
            var auth = await authenticator.AuthenticateAsync(context.Request, context.RequestAborted);
            if (auth.Key is null)
            {
                await AuthFailureResponse.WriteAsync(context, auth);
                return;
            }

            if (RequestBodyReader.NotJson(context.Request) is { } mediaType)
            {
                await RequestBodyReader.WriteNotJsonAsync(context, mediaType);
                return;
            }

            var (body, _) = await RequestBodyReader.ReadAsync(context.Request, maxBodyBytes, context.RequestAborted);
            if (body is null)
            {
                await OpenAiError.WriteAsync(context, StatusCodes.Status413PayloadTooLarge,
                    $"the request body is larger than {maxBodyBytes} bytes: send a smaller request (the limit is maxRequestBodyBytes)", "invalid_request_error", "request_too_large");
                return;
            }

            ChatPrompt prompt;
            using (body)
            {
                if (RequestInspector.Inspect(body.Span, RequestShape.CountTokens, out _) is { } problem)
                {
                    await OpenAiError.BadRequest(context, problem.Message, problem.Param, problem.Code);
                    return;
                }

                try
                {
                    using var document = JsonDocument.Parse(body.Memory);
                    prompt = AnthropicPromptParser.Parse(document.RootElement);
                }
                catch (JsonException ex)
                {
                    await OpenAiError.BadRequest(context, $"the request body is not valid JSON: {ex.Message}", code: "invalid_json");
                    return;
                }
                catch (FormatException ex)
                {
                    await OpenAiError.BadRequest(context, ex.Message, "messages");
                    return;
                }
            }

            if (string.IsNullOrWhiteSpace(prompt.Model))
            {
                await OpenAiError.BadRequest(context, "\"model\" is missing: name the model to count for, e.g. \"claude-haiku-4-5\"", "model", "missing_model");
                return;
            }

            // Like Anthropic, a model nobody here serves is not found (the same routing answer /v1/messages would give).
            var plan = await router.PlanAsync(new RouteRequest { Model = prompt.Model, Type = GenerationType.Chat }, WireFormat.Anthropic, context.RequestAborted);
            if (plan.Unknown)
            {
                await OpenAiError.NotFound(context, $"the model '{prompt.Model}' is not served by any configured provider that speaks the Anthropic messages API: GET /v1/models lists the models available", "model_not_found");
                return;
            }

            var count = Counter.Count(prompt);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($"{{\"input_tokens\":{count.Total}}}", context.RequestAborted);
        }).WithMetadata(AnthropicDoor.Instance);
    }
}
