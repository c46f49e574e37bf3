using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Endpoints;

namespace Tollgate.Gateway.Forwarding;

/// <summary>The walk's first stage: who calls (virtual key, attribution headers) and what they sent (a JSON body within the size limit).</summary>
internal sealed class InboundRequestReader(KeyAuthenticator authenticator, ProxyServices services, long maxBodyBytes)
{
    /// <summary>The caller and the body, or null once the refusal has been written.</summary>
    public async ValueTask<InboundRequest?> ReadAsync(HttpContext context, string requestId, CancellationToken aborted)
    {
        var metrics = services.Metrics;
        AuthResult auth;
        try
        {
            auth = await authenticator.AuthenticateAsync(context.Request, aborted);
        }
        catch (Exception ex) when (StoreFailure.Is(ex) && !aborted.IsCancellationRequested)
        {
            // The key store is away: a key cannot be checked, so nothing goes through (fail closed), and the client is told to retry.
            services.Logger.LogWarning("request {RequestId}: key store unavailable ({Error})", requestId, ex.GetType().Name);
            await RefusalResponse.WriteAsync(context, StoreFailure.Refusal("key store"), metrics);
            return null;
        }

        if (auth.Key is not { } key)
        {
            metrics.Refused(auth.RetryAfter is null ? "invalid_key" : "auth_backoff");
            await AuthFailureResponse.WriteAsync(context, auth);
            return null;
        }

        if (key.IsAdmin)
        {
            metrics.Refused("admin_key");
            await OpenAiError.Forbidden(context, "an admin key cannot make model calls: create a virtual key with POST /admin/keys and use that");
            return null;
        }

        var attribution = RequestAttribution.Parse(context.Request.Headers, out var attributionError);
        if (attribution is null)
        {
            metrics.Refused("bad_request");
            await OpenAiError.BadRequest(context, attributionError!, code: "invalid_tags");
            return null;
        }

        if (RequestBodyReader.NotJson(context.Request) is { } mediaType)
        {
            metrics.Refused("unsupported_media_type");
            await RequestBodyReader.WriteNotJsonAsync(context, mediaType);
            return null;
        }

        var (body, _) = await RequestBodyReader.ReadAsync(context.Request, maxBodyBytes, aborted);
        if (body is null)
        {
            metrics.Refused("body_too_large");
            await OpenAiError.WriteAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"the request body is larger than {maxBodyBytes} bytes: send a smaller request (the limit is maxRequestBodyBytes)", "invalid_request_error", "request_too_large");
            return null;
        }

        return new InboundRequest(key, attribution, body);
    }
}
