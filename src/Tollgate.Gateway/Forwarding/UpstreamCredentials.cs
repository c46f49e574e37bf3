using Microsoft.AspNetCore.Http;

namespace Tollgate.Gateway.Forwarding;

/// <summary>The provider's own credentials and configured headers on a forwarded request (Anthropic's, with the caller's API version and betas).</summary>
internal static class UpstreamCredentials
{
    public static void Add(HttpRequestMessage request, UpstreamEndpoint endpoint, HttpRequest incoming)
    {
        foreach (var (name, value) in endpoint.Options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (endpoint.Format == WireFormat.Anthropic)
        {
            if (endpoint.ApiKey is not null)
            {
                request.Headers.TryAddWithoutValidation("x-api-key", endpoint.ApiKey);
            }

            var version = incoming.Headers["anthropic-version"];
            request.Headers.TryAddWithoutValidation("anthropic-version", version.Count > 0 ? version.ToString() : endpoint.Options.ApiVersion ?? "2023-06-01");
            var beta = incoming.Headers["anthropic-beta"];
            if (beta.Count > 0)
            {
                request.Headers.TryAddWithoutValidation("anthropic-beta", beta.ToString());
            }

            return;
        }

        if (endpoint.AuthorizationValue is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", endpoint.AuthorizationValue);
        }
    }
}
