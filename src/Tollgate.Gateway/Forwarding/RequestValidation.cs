using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Observability;

namespace Tollgate.Gateway.Forwarding;

/// <summary>The walk's second stage: the body checked against its door's request shape, and the labels it carries.</summary>
internal sealed class RequestValidation(GatewayMetrics metrics)
{
    /// <summary>
    /// What the body says (model, limits, stream, capabilities used) and the attribution with the body's labels (for every
    /// attempt of the call), or null once the 400 has been written.
    /// </summary>
    public async ValueTask<(RequestInfo Info, RequestAttribution Attribution)?> ValidateAsync(HttpContext context, InboundRequest inbound, ProxyOperation operation)
    {
        // The door's request shape is checked in the same pass that reads the body: nothing is held or sent for a request the provider would refuse.
        var problem = RequestInspector.Inspect(inbound.Body.Span, ShapeOf(operation), out var info);
        if (problem is not null)
        {
            metrics.Refused("bad_request");
            await OpenAiError.BadRequest(context, problem.Message, problem.Param, problem.Code);
            return null;
        }

        if (inbound.Attribution.WithBody(inbound.Body.Span, info, out var labelsError) is not { } labelled)
        {
            metrics.Refused("bad_request");
            await OpenAiError.BadRequest(context, labelsError!, "metadata", "invalid_tags");
            return null;
        }

        return (info, labelled);
    }

    /// <summary>The request shape each door checks (one validator per wire dialect).</summary>
    private static RequestShape ShapeOf(ProxyOperation operation) => operation switch
    {
        ProxyOperation.Embeddings => RequestShape.Embeddings,
        ProxyOperation.Messages => RequestShape.Messages,
        ProxyOperation.Responses => RequestShape.Responses,
        _ => RequestShape.Chat,
    };
}
