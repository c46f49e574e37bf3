using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tollgate.Gateway.Endpoints;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The walk's third stage: the providers to try, in order, for a valid request; when there are none, the answer that
/// says why (capability missing, request too large for every model, model unknown, no provider up).
/// </summary>
internal sealed class RoutePlanning(ProxyServices services)
{
    /// <summary>The fallback chain, or null once the refusal has been written.</summary>
    public async ValueTask<RouteCandidate[]?> PlanAsync(HttpContext context, string requestId, ProxyOperation operation, RequestInfo info, CancellationToken aborted)
    {
        var router = services.Router;
        var metrics = services.Metrics;

        // Embeddings and the Anthropic-native endpoint are passed through to a provider that speaks them.
        WireFormat? required = operation switch
        {
            ProxyOperation.Messages => WireFormat.Anthropic,
            ProxyOperation.Embeddings or ProxyOperation.Responses => WireFormat.OpenAI,
            _ => null,
        };
        var type = operation == ProxyOperation.Embeddings ? GenerationType.Embeddings : GenerationType.Chat;
        RoutePlan plan;
        try
        {
            plan = await router.PlanAsync(info.Model!, type, required, info.PromptBytes, info.MaxOutputTokens, info.Choices, info.Needs, aborted);
        }
        catch (Exception ex) when (StoreFailure.Is(ex) && !aborted.IsCancellationRequested)
        {
            services.Logger.LogWarning("request {RequestId}: provider state unavailable ({Error})", requestId, ex.GetType().Name);
            await RefusalResponse.WriteAsync(context, StoreFailure.Refusal("provider state store"), metrics);
            return null;
        }

        if (plan.Chain.Length == 0)
        {
            if (plan.MissingCapability is { } missing)
            {
                metrics.Refused("unsupported_capability");
                await OpenAiError.BadRequest(context,
                    $"the model '{info.Model}' does not support {missing}, which this request uses: pick a model that does (GET /v1/models), or remove that part of the request",
                    ParamOf(missing), "unsupported_capability");
                return null;
            }

            if (plan.Oversize is { } closest)
            {
                metrics.Refused("request_too_large");
                await WriteTooLargeAsync(context, info, operation, closest);
                return null;
            }

            if (plan.Unknown || plan.Decision.HasChoice)
            {
                metrics.Refused("model_not_found");
                await OpenAiError.NotFound(context,
                    $"the model '{info.Model}' is not served by any configured provider{(operation == ProxyOperation.Messages ? " that speaks the Anthropic messages API" : "")}: GET /v1/models lists the models available (names match exactly; 'provider/model' picks a provider)",
                    "model_not_found");
                return null;
            }

            metrics.Refused("no_provider");
            await OpenAiError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"no provider can serve '{info.Model}' now: {plan.Decision.Reason}", "upstream_error", "provider_unavailable");
            return null;
        }

        // The Responses API is passed through only: providers whose API the gateway translates are left out.
        return operation == ProxyOperation.Responses ? [.. plan.Chain.Where(c => router.Find(c.Provider) is { Passthrough: true })] : plan.Chain;
    }

    /// <summary>The request field that uses a capability the router found missing.</summary>
    private static string? ParamOf(string missingCapability) => missingCapability switch
    {
        ModelCapabilities.VisionName => "messages",
        ModelCapabilities.ToolsName => "tools",
        ModelCapabilities.JsonSchemaName => "response_format",
        _ => null,
    };

    /// <summary>
    /// 400 naming the field at fault when no model could ever take the request: the output limit above the model's
    /// maximum output (the limit field the request used), or prompt plus output beyond its context window.
    /// </summary>
    private static Task WriteTooLargeAsync(HttpContext context, RequestInfo info, ProxyOperation operation, RouteCandidate closest)
    {
        var limitField = info.MaxCompletionTokensValue.Length > 0 ? "max_completion_tokens"
            : info.MaxOutputTokensValue.Length > 0 || operation == ProxyOperation.Responses ? "max_output_tokens"
            : "max_tokens";
        var capabilities = closest.Capabilities!;
        if (closest.Oversize == RouteCandidate.OversizeMaxOutput)
        {
            return OpenAiError.BadRequest(context,
                $"{limitField} is {info.MaxOutputTokens}, above the {capabilities.MaxOutputTokens} output tokens '{closest.Model}' can generate: lower {limitField}",
                limitField, "max_tokens_too_large");
        }

        var promptField = operation == ProxyOperation.Responses ? "input" : "messages";
        return OpenAiError.BadRequest(context,
            $"the prompt{(info.MaxOutputTokens is { } max ? $" plus {limitField} {max}" : "")} exceeds the {capabilities.ContextWindow}-token context window of '{closest.Model}': shorten {promptField}{(info.MaxOutputTokens is null ? "" : $" or lower {limitField}")}",
            promptField, "context_length_exceeded");
    }
}
